"""Removing what a test had to commit (HTTP requests, other connections, a real worker, Frappe's
own commits such as an email sent at once under tests), so the suite leaves the site as it found
it (tests/site_state.py checks). One implementation for tier 2 and tier 3."""

import frappe


def _delete(doctype: str, name) -> None:
	frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)


def delete_records(records) -> None:
	"""Delete (doctype, name) pairs, newest first. Submitted documents are cancelled first; the
	Communications Frappe, CRM and Helpdesk made about each go too; nothing goes to Deleted
	Document."""
	for doctype, name in reversed(list(records)):
		if not frappe.db.exists(doctype, name):
			continue
		for communication in frappe.get_all(
			"Communication", filters={"reference_doctype": doctype, "reference_name": name}, pluck="name"
		):
			_delete("Communication", communication)
		if frappe.db.get_value(doctype, name, "docstatus") == 1:
			doc = frappe.get_doc(doctype, name)
			doc.flags.ignore_permissions = True
			doc.cancel()
		_delete(doctype, name)


def delete_users(users) -> None:
	"""Users with what Frappe and the app made for them: notices, queued emails, shares, User
	Permissions, Notification Settings and their Contacts."""
	users = [u for u in users if u]
	if not users:
		return
	frappe.db.delete("CRM Notification", {"to_user": ("in", users)})
	frappe.db.delete("Notification Log", {"for_user": ("in", users)})
	if frappe.db.table_exists("HD Notification"):
		frappe.db.delete("HD Notification", {"user_to": ("in", users)})
	frappe.db.delete("ToDo", {"allocated_to": ("in", users)})
	# Frappe logs every download of a private file (order documents) by the user who made it.
	frappe.db.delete("Access Log", {"user": ("in", users)})
	queued = frappe.get_all("Email Queue Recipient", filters={"recipient": ("in", users)}, pluck="parent")
	if queued:
		frappe.db.delete("Email Queue Recipient", {"parent": ("in", queued)})
		frappe.db.delete("Email Queue", {"name": ("in", queued)})
	for user in users:
		frappe.db.delete("User Permission", {"user": user})
		frappe.db.delete("DocShare", {"user": user})
		contacts = set(frappe.get_all("Contact", filters={"user": user}, pluck="name"))
		contacts |= set(frappe.get_all("Contact Email", filters={"email_id": user}, pluck="parent"))
		if frappe.db.exists("User", user):
			_delete("User", user)
		# User.on_trash deletes its Notification Settings into Deleted Document
		frappe.db.delete("Notification Settings", {"name": user})
		frappe.db.delete(
			"Deleted Document", {"deleted_doctype": "Notification Settings", "deleted_name": user}
		)
		for contact in contacts:
			if frappe.db.exists("Contact", contact):
				_delete("Contact", contact)
		frappe.cache.hdel("user_permissions", user)


def customer_records(customers) -> list[tuple[str, str]]:
	"""Every document of these customers, in the order they were made (payments last), so
	`delete_records` cancels and deletes them newest first."""
	customers = [c for c in customers if c]
	if not customers:
		return []
	orders = frappe.get_all(
		"Sales Order", filters={"customer": ("in", customers)}, pluck="name", order_by="creation"
	)
	records = [("Customer", c) for c in customers]
	for contact in frappe.get_all(
		"Dynamic Link",
		filters={"link_doctype": "Customer", "link_name": ("in", customers), "parenttype": "Contact"},
		pluck="parent",
	):
		records.append(("Contact", contact))
	for doctype, field in (
		("CRM Lead", "custom_order_customer"),
		("CRM Deal", "custom_order_customer"),
		("HD Ticket", "custom_order_customer"),
	):
		records += [
			(doctype, n) for n in frappe.get_all(doctype, filters={field: ("in", customers)}, pluck="name")
		]
	records += [("Sales Order", n) for n in orders]
	if orders:
		records += [
			("Work Order", n)
			for n in frappe.get_all("Work Order", filters={"sales_order": ("in", orders)}, pluck="name")
		]
	for doctype in ("Formation Order", "Compliance Service", "Compliance Calendar"):
		records += [
			(doctype, n)
			for n in frappe.get_all(doctype, filters={"customer": ("in", customers)}, pluck="name")
		]
	records += [
		("Delivery Note", n)
		for n in frappe.get_all(
			"Delivery Note", filters={"customer": ("in", customers)}, pluck="name", order_by="creation"
		)
	]
	records += [
		("Sales Invoice", n)
		for n in frappe.get_all(
			"Sales Invoice", filters={"customer": ("in", customers)}, pluck="name", order_by="creation"
		)
	]
	if orders:
		records += [
			("Commission Ledger", n)
			for n in frappe.get_all(
				"Commission Ledger", filters={"sales_order": ("in", orders)}, pluck="name"
			)
		]
	records += [
		("Payment Entry", n)
		for n in frappe.get_all(
			"Payment Entry",
			filters={"party_type": "Customer", "party": ("in", customers)},
			pluck="name",
			order_by="creation",
		)
	]
	return records


def delete_customers(customers) -> None:
	delete_records(customer_records(customers))


def drop_queued_jobs() -> None:
	"""Tier-2 HTTP requests run in their own threads, outside the test's transaction, so the jobs
	they request are really queued (crm_order_extension.jobs). The tests run job bodies inline
	instead; the queued copies are dropped, so no worker runs them later against removed data."""
	from frappe.utils.background_jobs import get_queues

	prefix = f"{frappe.local.site}::crm_order_extension:"
	for queue in get_queues():
		for job_id in queue.get_job_ids():
			if job_id.startswith(prefix) and (job := queue.fetch_job(job_id)):
				job.delete()
