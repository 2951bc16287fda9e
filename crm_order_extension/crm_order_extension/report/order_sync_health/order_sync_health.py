# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.health import unhealthy_records


def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctypes = [filters.reference_doctype] if filters.get("reference_doctype") else list(TARGETS)
	doctypes = [d for d in doctypes if frappe.has_permission(d, "read")]
	rows = unhealthy_records(doctypes, limit=int(filters.get("limit") or 500))
	return columns(), rows


def columns():
	return [
		{
			"fieldname": "reference_doctype",
			"label": _("Type"),
			"fieldtype": "Link",
			"options": "DocType",
			"width": 110,
		},
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
			"fieldtype": "Link",
			"options": "Customer",
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
