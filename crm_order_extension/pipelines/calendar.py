"""Compliance Calendar: status buckets, one reminder per occurrence, exactly-once roll-forward,
and the first entries of a delivered formation (rules in core.recurrence)."""

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from crm_order_extension.core import recurrence

DOCTYPE = "Compliance Calendar"


def due_soon_days() -> int:
	value = frappe.db.get_single_value("CRM Order Extension Settings", "due_soon_days")
	return recurrence.DUE_SOON_DAYS if value is None else int(value)


def refresh_status(doc, today=None) -> None:
	"""Set the status bucket; entering Due Soon sends the occurrence's one reminder."""
	before = None if doc.is_new() else doc.get_doc_before_save()
	old_status = before.status if before else None
	doc.status = recurrence.calendar_status(
		getdate(doc.due_date), getdate(today or nowdate()), bool(doc.completed_on), due_soon_days()
	)
	if recurrence.needs_reminder(old_status, doc.status, bool(doc.reminder_sent)):
		doc.reminder_sent = send_reminder(doc)


def reminder_recipient(customer: str) -> str | None:
	contact = frappe.db.get_value("Customer", customer, "customer_primary_contact")
	email = frappe.db.get_value("Contact", contact, "email_id") if contact else None
	return email or frappe.db.get_value("Customer", customer, "email_id")


def send_reminder(doc) -> int:
	"""Queue the reminder email; 1 when queued, 0 when the customer has no address to send to."""
	recipient = reminder_recipient(doc.customer)
	if not recipient:
		return 0
	frappe.sendmail(
		recipients=[recipient],
		subject=_("Reminder: {0} due on {1}").format(
			_(doc.event_type), frappe.format(doc.due_date, {"fieldtype": "Date"})
		),
		message=_("Your {0} for {1} is due on {2}.").format(
			_(doc.event_type),
			doc.entity_name or doc.customer,
			frappe.format(doc.due_date, {"fieldtype": "Date"}),
		),
		reference_doctype=DOCTYPE,
		reference_name=doc.name,
	)
	return 1


def after_save(doc) -> None:
	if doc.completed_on and doc.recurrence != recurrence.ONE_TIME:
		roll_forward(doc)


def roll_forward(doc) -> str | None:
	"""Create the next occurrence once: the row lock serialises concurrent saves, and an existing
	successor (linked either way) is reused."""
	next_entry = frappe.db.get_value(DOCTYPE, doc.name, "next_entry", for_update=True)
	if next_entry:
		return next_entry
	existing = frappe.db.get_value(DOCTYPE, {"previous_entry": doc.name})
	if existing:
		frappe.db.set_value(DOCTYPE, doc.name, "next_entry", existing, update_modified=False)
		return existing
	due = recurrence.next_due_date(getdate(doc.due_date), doc.recurrence)
	successor = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"customer": doc.customer,
			"entity_name": doc.entity_name,
			"state": doc.state,
			"event_type": doc.event_type,
			"due_date": due,
			"recurrence": doc.recurrence,
			"source_doctype": doc.source_doctype,
			"source_name": doc.source_name,
			"previous_entry": doc.name,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(DOCTYPE, doc.name, "next_entry", successor.name, update_modified=False)
	doc.next_entry = successor.name
	return successor.name


def entries_for_delivered_formation(order) -> list[str]:
	"""The first Annual Report (and RA renewal) of a delivered formation, created once."""
	if frappe.db.exists(DOCTYPE, {"source_doctype": order.doctype, "source_name": order.name}):
		return []
	has_ra = any(row.add_on == "Registered Agent" for row in order.add_ons)
	names = []
	for entry in recurrence.first_entries_for_delivery(getdate(nowdate()), has_ra):
		names.append(
			frappe.get_doc(
				{
					"doctype": DOCTYPE,
					"customer": order.customer,
					"entity_name": order.entity_name,
					"state": order.state,
					"source_doctype": order.doctype,
					"source_name": order.name,
					**entry,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	return names


def daily_refresh(today=None) -> int:
	"""Scheduler (daily): re-bucket open entries that reach Due Soon or Overdue. Only entries due
	within the window or past due can change, so far-future ones are never loaded."""
	horizon = frappe.utils.add_days(today or nowdate(), due_soon_days())
	names = frappe.get_all(
		DOCTYPE,
		filters={"completed_on": ("is", "not set"), "due_date": ("<=", horizon), "status": ("!=", "Overdue")},
		pluck="name",
	)
	changed = 0
	for name in names:
		doc = frappe.get_doc(DOCTYPE, name)
		status, reminded = doc.status, doc.reminder_sent
		refresh_status(doc, today)
		if doc.status != status or doc.reminder_sent != reminded:
			doc.save(ignore_permissions=True)
			changed += 1
	return changed  # the scheduler commits after the job
