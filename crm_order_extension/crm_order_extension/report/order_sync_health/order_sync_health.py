# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

"""Records whose order history is missing or stale. A row names a customer and counts its orders,
so the report follows the order-history endpoints' access check (orders/permissions.py): a user
who may not see order histories gets a 403, and a row is shown only when the user may read its
record and see that customer's orders (User Permissions on Customer).

Its reference DocType is HD Ticket: Frappe runs a report only for users with "report" permission
on it, which Helpdesk grants to everyone on every version, while newer CRM releases grant none on
CRM Lead to Helpdesk agents; the rows' own records are checked here."""

import frappe
from frappe import _

from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.health import unhealthy_records
from crm_order_extension.orders.permissions import can_see, check_history_access


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	check_history_access()
	doctypes = [filters.reference_doctype] if filters.get("reference_doctype") else list(TARGETS)
	# No DocType-level check: newer CRM releases let users read single leads and deals (owned or
	# assigned) without any role rule; visible_rows checks each row's record.
	doctypes = [d for d in doctypes if d in TARGETS]
	rows = unhealthy_records(doctypes, limit=int(filters.get("limit") or 500)) if doctypes else []
	return columns(), visible_rows(rows)


def visible_rows(rows: list[dict]) -> list[dict]:
	"""The rows whose record the user may read (one permission-checked query per DocType) and whose
	customer's orders it may see; a never-synced row names no customer and shows no orders."""
	customers = {c: can_see(c) for c in {row.get("customer") for row in rows} if c}
	readable: dict[str, set[str]] = {}
	for doctype in {row["reference_doctype"] for row in rows}:
		names = [str(row["reference_name"]) for row in rows if row["reference_doctype"] == doctype]
		readable[doctype] = readable_names(doctype, names)
	return [
		row
		for row in rows
		if str(row["reference_name"]) in readable[row["reference_doctype"]]
		and (not row.get("customer") or customers[row["customer"]])
	]


def readable_names(doctype: str, names: list[str]) -> set[str]:
	"""The records among `names` the user may read: one permission-checked list query, or, where
	the user may read single records but not list the DocType (CRM v1.7x lets an agent read the
	leads assigned to them without any role rule on CRM Lead), a check per record."""
	try:
		listed = frappe.get_list(doctype, filters={"name": ("in", names)}, pluck="name", limit_page_length=0)
	except frappe.PermissionError:
		frappe.clear_last_message()
		return {name for name in names if frappe.has_permission(doctype, "read", doc=name)}
	return {str(n) for n in listed}


def columns():
	# Frappe filters a report's rows by the user's access to the DocType of every Link column and
	# refuses the report when one is unreadable: the record type is plain text (a Link to DocType
	# would shut out everyone but System Managers), the customer a Link only for users who read
	# Customers (a Helpdesk agent sees the name).
	customer_link = frappe.has_permission("Customer", "read")
	return [
		{"fieldname": "reference_doctype", "label": _("Type"), "fieldtype": "Data", "width": 110},
		{
			"fieldname": "reference_name",
			"label": _("Record"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 180,
		},
		{"fieldname": "title", "label": _("Title"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link" if customer_link else "Data",
			"options": "Customer" if customer_link else None,
			"width": 160,
		},
		{"fieldname": "submitted_orders", "label": _("Submitted Orders"), "fieldtype": "Int", "width": 120},
		{"fieldname": "history_lines", "label": _("History Lines"), "fieldtype": "Int", "width": 110},
		{"fieldname": "synced_on", "label": _("Synced On"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "last_order_change",
			"label": _("Last Order Change"),
			"fieldtype": "Datetime",
			"width": 160,
		},
		{"fieldname": "problem", "label": _("Problem"), "fieldtype": "Data", "width": 110},
	]
