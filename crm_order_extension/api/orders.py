"""Order history endpoints for Desk, the CRM UI (/crm) and the Helpdesk agent UI (/helpdesk)."""

import frappe
from frappe import _

from crm_order_extension.api.utils import check_permitted, client_error, required
from crm_order_extension.core.production import STAGE_OPTIONS, indicator_color
from crm_order_extension.orders.customer import TARGETS, get_target
from crm_order_extension.orders.history import HISTORY_FIELD, sync_record

MAX_PAGE_LENGTH = 500


def _check_doctype(doctype) -> str:
	doctype = required(doctype, _("Document type"))
	if doctype not in TARGETS:
		client_error(
			_("Order history is available for {0}, not for {1}").format(
				", ".join(_(d) for d in TARGETS), doctype
			)
		)
	return doctype


def _sync(doctype: str, name: str) -> dict:
	check_permitted(doctype, name)
	return sync_record(doctype, name)


@frappe.whitelist(methods=["POST"])
def fetch_orders(lead_name: str | None = None) -> dict:
	"""Re-sync and return the order history summary of a CRM Lead."""
	return _sync("CRM Lead", required(lead_name, _("Lead")))


@frappe.whitelist(methods=["POST"])
def fetch_deal_orders(deal_name: str | None = None) -> dict:
	"""Re-sync and return the order history summary of a CRM Deal."""
	return _sync("CRM Deal", required(deal_name, _("Deal")))


@frappe.whitelist(methods=["POST"])
def hd_ticket_fetch_orders(contact: str | None = None, ticket_name: str | int | None = None) -> dict:
	"""Re-sync the order history of an HD Ticket raised by `contact`."""
	ticket_name = required(ticket_name, _("Ticket"))
	contact = required(contact, _("Contact"))
	check_permitted("HD Ticket", ticket_name)
	ticket_contact, raised_by = frappe.db.get_value("HD Ticket", ticket_name, ["contact", "raised_by"])
	contact_emails = frappe.get_all(
		"Contact Email", filters={"parenttype": "Contact", "parent": contact}, pluck="email_id"
	)
	linked = contact == ticket_contact or (
		raised_by and raised_by.lower() in {e.lower() for e in contact_emails if e}
	)
	if not linked:
		client_error(_("Contact {0} is not linked to HD Ticket {1}").format(contact, ticket_name))
	return sync_record("HD Ticket", ticket_name)


@frappe.whitelist(methods=["GET", "POST"])
def get_order_history(
	doctype: str | None = None, name: str | int | None = None, start: int = 0, page_length: int = 20
) -> dict:
	"""One page of the stored order history (no re-sync), newest order first."""
	doctype = _check_doctype(doctype)
	name = required(name, _("Name"))
	if start < 0 or not 0 < page_length <= MAX_PAGE_LENGTH:
		client_error(_("start must be 0 or more and page_length between 1 and {0}").format(MAX_PAGE_LENGTH))
	check_permitted(doctype, name)
	target = get_target(doctype)
	filters = {"parent": name, "parenttype": doctype, "parentfield": HISTORY_FIELD}
	rows = frappe.get_all(
		target.child_doctype,
		filters=filters,
		fields=["*"],
		order_by="idx asc",
		limit_start=start,
		limit_page_length=page_length,
	)
	for row in rows:
		for field in ("parent", "parenttype", "parentfield", "owner", "modified_by", "docstatus"):
			row.pop(field, None)
	synced_on, customer, level, message = frappe.db.get_value(
		doctype,
		name,
		[
			"custom_orders_synced_on",
			"custom_order_customer",
			"custom_order_match_level",
			"custom_order_sync_message",
		],
	)
	return {
		"doctype": doctype,
		"name": name,
		"rows": rows,
		"start": start,
		"page_length": page_length,
		"total": frappe.db.count(target.child_doctype, filters),
		"synced_on": synced_on,
		"customer": customer,
		"level": level,
		"message": message,
	}


@frappe.whitelist(methods=["GET", "POST"])
def get_order_history_html(
	doctype: str | None = None, name: str | int | None = None, page_length: int = 100
) -> dict:
	"""The stored history as an HTML table, for the CRM and Helpdesk form scripts (one renderer
	for both UIs; every value is escaped by the template)."""
	history = get_order_history(doctype, name, 0, page_length)
	rows = []
	for row in history["rows"]:
		rows.append(
			{
				**row,
				"transaction_date_display": frappe.format(row.transaction_date, {"fieldtype": "Date"}),
				"delivery_date_display": frappe.format(row.delivery_date, {"fieldtype": "Date"}),
				"qty_display": frappe.format(row.qty, {"fieldtype": "Float"}),
				"amount_display": frappe.format(row.amount, {"fieldtype": "Currency"}),
				"stages": [
					{
						"label": _(row.get(stage) or "").replace("_", " "),
						"color": indicator_color(row.get(stage)),
					}
					for stage in STAGE_OPTIONS
				],
			}
		)
	if history["synced_on"]:
		summary = _("{0} lines of {1} shown; synced {2}").format(
			len(rows), history["total"], frappe.format(history["synced_on"], {"fieldtype": "Datetime"})
		)
	else:
		summary = _("Not synced yet")
	if history["message"]:
		summary = f"{history['message']}. {summary}"
	headers = [
		_("Sales Order"),
		_("Date"),
		_("Item"),
		_("Qty"),
		_("Amount"),
		_("Delivery"),
		_("OPS"),
		_("Material"),
		_("Production"),
		_("QA"),
	]
	html = frappe.render_template(
		"crm_order_extension/templates/includes/order_history.html",
		{"rows": rows, "headers": headers, "summary": summary},
	)
	return {"html": html, "total": history["total"], "synced_on": history["synced_on"]}


@frappe.whitelist(methods=["POST"])
def enqueue_sync_all(doctype: str | None = None, restart: bool = False) -> dict:
	"""Re-sync every record of one DocType (or all three) in the background, with progress."""
	doctypes = [_check_doctype(doctype)] if doctype else list(TARGETS)
	for dt in doctypes:
		frappe.has_permission(dt, "write", throw=True)
	job_id = f"crm_order_extension:sync_all:{doctype or 'all'}"
	frappe.enqueue(
		"crm_order_extension.orders.bulk.sync_all_job",
		queue="long",
		timeout=4 * 3600,
		job_id=job_id,
		deduplicate=True,
		doctypes=doctypes,
		restart=bool(restart),
	)
	return {"queued": True, "job_id": job_id, "message": _("Order history sync queued")}
