"""Automatic re-sync, in background jobs queued after commit (crm_order_extension.jobs: a change
committed while a job runs is followed by another run):

- Sales Order and Work Order events: one job per customer, which computes its history once and
  updates the records resolved to it set-based (history.sync_customer_history);
- a new lead, deal or ticket, and one whose customer-identifying fields change: that record;
- a Contact whose emails or customer links change, or a Customer whose email or name changes: the
  records that may belong to it.

So Shopify/Etsy imports, a returning customer's new ticket and manual edits alike keep histories
current without anyone pressing a button; opening a page never syncs."""

import frappe

from crm_order_extension.core.production import WORK_ORDER_FIELDS
from crm_order_extension.jobs import request_job, running_inline
from crm_order_extension.orders.customer import records_of_customer
from crm_order_extension.orders.history import settings, sync_customer_history, sync_record

# Work Order fields whose change alters a history row.
WORK_ORDER_TRIGGER_FIELDS = (
	"docstatus",
	"status",
	"sales_order",
	"production_item",
	*WORK_ORDER_FIELDS.values(),
)


def auto_sync_enabled() -> bool:
	return bool(settings().auto_sync)


def schedule_customers(customers, broad: bool = False) -> None:
	"""Re-sync the records of these customers in the background. An order change reaches the
	records resolved to its customer (`broad=False`); a change of the customer itself may make
	other records resolve to it (`broad=True`)."""
	if not auto_sync_enabled():
		return
	for customer in sorted(set(filter(None, customers))):
		request_job(
			"crm_order_extension.orders.sync.sync_customer",
			key=f"customer:{customer}:{'broad' if broad else 'orders'}",
			customer=customer,
			broad=broad,
		)


def sync_customer(customer: str, broad: bool = False) -> None:
	"""Background job. An order change (`broad=False`): the customer's history, computed once and
	written where its records read it. A change of the customer itself (`broad=True`) may make other
	records resolve to it: each of those is re-resolved, the history still computed once."""
	fresh_transaction()
	if not broad:
		sync_customer_history(customer)
		return
	histories = {}
	for doctype, name in records_of_customer(customer, broad=True):
		sync_record_job(doctype, name, histories)


def fresh_transaction() -> None:
	"""Start a job's work in a transaction of its own, in READ COMMITTED: every read sees what is
	committed when it is made (also after waiting for a lock), so nothing read before a wait is
	written back over a newer state, and row locks cover only matching rows (no gap locks on the
	customer index for the set-based updates). Tier 2 runs job bodies inside the test's
	transaction, where neither can change."""
	if running_inline():
		return
	# For this job's connection (a job has its own); Frappe's commit starts the next transaction.
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	frappe.db.commit()


def sync_record_job(doctype: str, name: str, histories: dict | None = None) -> None:
	"""Background job: re-resolve one record against its customer's stored history (computed when
	there is none yet)."""
	fresh_transaction()
	if not frappe.db.exists(doctype, str(name)):
		return
	sync_record(doctype, str(name), histories=histories, reuse=True)


def schedule_record(doctype: str, name: str) -> None:
	if not auto_sync_enabled():
		return
	request_job(
		"crm_order_extension.orders.sync.sync_record_job",
		key=f"record:{doctype}:{name}",
		doctype=doctype,
		name=str(name),
	)


# What identifies the customer of a record (orders/customer.record_keys reads these).
IDENTITY_FIELDS = {
	"CRM Lead": ("email", "organization", "lead_name", "first_name", "last_name", "custom_erpnext_customer"),
	"CRM Deal": (
		"email",
		"organization",
		"organization_name",
		"lead_name",
		"contact",
		"custom_erpnext_customer",
	),
	"HD Ticket": ("contact", "raised_by", "customer", "custom_erpnext_customer"),
}


def _deal_contacts(doc) -> set[str]:
	return {row.contact for row in doc.get("contacts") or [] if row.contact}


def identity_changed(doc, before) -> bool:
	fields = [f for f in IDENTITY_FIELDS[doc.doctype] if doc.meta.has_field(f)]
	if any((before.get(f) or None) != (doc.get(f) or None) for f in fields):
		return True
	return doc.doctype == "CRM Deal" and _deal_contacts(before) != _deal_contacts(doc)


def on_record_insert(doc, method=None):
	"""after_insert of a lead, deal or ticket: a returning customer's orders show at once."""
	schedule_record(doc.doctype, doc.name)


def on_record_update(doc, method=None):
	"""on_update of a lead, deal or ticket: re-resolve when what identifies its customer changed."""
	before = doc.get_doc_before_save()
	if before is not None and identity_changed(doc, before):
		schedule_record(doc.doctype, doc.name)


def _contact_emails(doc) -> set[str]:
	emails = {row.email_id for row in doc.get("email_ids") or []} | {doc.get("email_id")}
	return {e.strip().lower() for e in emails if e and e.strip()}


def _contact_customers(doc) -> set[str]:
	return {row.link_name for row in doc.get("links") or [] if row.link_doctype == "Customer"}


def _contact_names(doc) -> tuple:
	return (doc.get("first_name"), doc.get("last_name"), doc.get("full_name"))


def on_contact_update(doc, method=None):
	"""on_update of a Contact (its insert included): its emails, customer links or name decide which
	customer a lead, deal or ticket resolves to."""
	if not auto_sync_enabled():
		return
	before = doc.get_doc_before_save()
	emails = _contact_emails(doc)
	if before is not None:
		if (
			_contact_emails(before) == emails
			and _contact_customers(before) == _contact_customers(doc)
			and _contact_names(before) == _contact_names(doc)
		):
			return
		emails |= _contact_emails(before)
	request_job(
		"crm_order_extension.orders.sync.sync_contact",
		key=f"contact:{doc.name}",
		contact=doc.name,
		emails=sorted(emails),
	)


def on_customer_update(doc, method=None):
	"""on_update of a Customer: its email, name or disabled flag take part in resolving records."""
	before = doc.get_doc_before_save()
	if before is None or any(before.get(f) != doc.get(f) for f in ("email_id", "customer_name", "disabled")):
		schedule_customers([doc.name], broad=True)


def records_of_contact(contact: str, emails: list[str]) -> list[tuple[str, str]]:
	"""Leads, deals and tickets that name this contact or one of these emails."""
	records = []
	if emails:
		records += [
			("CRM Lead", n) for n in frappe.get_all("CRM Lead", {"email": ("in", emails)}, pluck="name")
		]
		records += [
			("CRM Deal", n) for n in frappe.get_all("CRM Deal", {"email": ("in", emails)}, pluck="name")
		]
		records += [
			("HD Ticket", n) for n in frappe.get_all("HD Ticket", {"raised_by": ("in", emails)}, pluck="name")
		]
	records += [("HD Ticket", n) for n in frappe.get_all("HD Ticket", {"contact": contact}, pluck="name")]
	records += [("CRM Deal", n) for n in frappe.get_all("CRM Deal", {"contact": contact}, pluck="name")]
	records += [
		("CRM Deal", n)
		for n in frappe.get_all(
			"CRM Contacts", {"parenttype": "CRM Deal", "contact": contact}, pluck="parent", distinct=True
		)
	]
	return list(dict.fromkeys((doctype, str(name)) for doctype, name in records))


def sync_contact(contact: str, emails: list[str]) -> None:
	"""Background job: re-resolve the records of a contact that changed; each customer's history
	is computed once."""
	histories = {}
	for doctype, name in records_of_contact(contact, emails):
		sync_record_job(doctype, name, histories)


def customers_of_orders(order_names: list[str]) -> set[str]:
	"""Customers of `order_names` and, up the inter-company chain, the end customers whose orders
	these produce (producing SO -> inter-company PO -> customer SO)."""
	customers, frontier, seen = set(), set(filter(None, order_names)), set()
	for _depth in range(3):
		frontier -= seen
		if not frontier:
			break
		seen |= frontier
		orders = frappe.get_all(
			"Sales Order",
			filters={"name": ("in", list(frontier))},
			fields=["customer", "inter_company_order_reference"],
		)
		customers.update(o.customer for o in orders)
		purchase_orders = [o.inter_company_order_reference for o in orders if o.inter_company_order_reference]
		frontier = set(
			frappe.get_all(
				"Purchase Order Item",
				filters={"parent": ("in", purchase_orders), "sales_order": ("is", "set")},
				pluck="sales_order",
			)
			if purchase_orders
			else []
		)
	return customers


def on_sales_order_change(doc, method=None):
	"""Sales Order on_change: submit, cancel and every status change after submit."""
	if doc.docstatus == 0:
		return
	customers = {doc.customer}
	if doc.get("inter_company_order_reference"):
		customers |= customers_of_orders([doc.name])
	schedule_customers(customers)


def on_work_order_change(doc, method=None):
	"""Work Order on_change/on_trash: stage fields, status or links changed."""
	if not doc.get("sales_order"):
		return
	before = doc.get_doc_before_save()
	if (
		method != "on_trash"
		and before
		and not any(before.get(f) != doc.get(f) for f in WORK_ORDER_TRIGGER_FIELDS)
	):
		return
	orders = {doc.sales_order}
	if before and before.get("sales_order"):
		orders.add(before.sales_order)
	schedule_customers(customers_of_orders(sorted(orders)))


def on_billing_or_delivery_change(doc, method=None):
	"""Sales Invoice and Delivery Note on_change after submit (credit notes and returns included):
	their customer's history shows billing, shipping and returns per order."""
	if doc.docstatus and doc.get("customer"):
		schedule_customers([doc.customer])


def on_shipment_change(doc, method=None):
	"""Shipment on_change after submit: carrier, AWB number and tracking of its Delivery Notes."""
	notes = [row.delivery_note for row in doc.get("shipment_delivery_note") or [] if row.delivery_note]
	if doc.docstatus and notes:
		schedule_customers(
			frappe.get_all("Delivery Note", filters={"name": ("in", notes)}, pluck="customer", distinct=True)
		)
