# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_order_extension.orders.ship_report import late_lines


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	return columns(), late_lines(frappe._dict(filters or {}))


def columns():
	return [
		{
			"fieldname": "sales_order",
			"label": _("Sales Order"),
			"fieldtype": "Link",
			"options": "Sales Order",
			"width": 150,
		},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 150,
		},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 120},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Float", "width": 70},
		{"fieldname": "delivery_date", "label": _("Delivery Date"), "fieldtype": "Date", "width": 105},
		{
			"fieldname": "expected_ship_date",
			"label": _("Expected Ship Date"),
			"fieldtype": "Date",
			"width": 120,
		},
		{"fieldname": "days_late", "label": _("Days Late"), "fieldtype": "Int", "width": 80},
		{"fieldname": "ship_status", "label": _("Ship Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "ship_reason", "label": _("Reason"), "fieldtype": "Data", "width": 200},
		{
			"fieldname": "work_order",
			"label": _("Work Order"),
			"fieldtype": "Link",
			"options": "Work Order",
			"width": 150,
		},
		{"fieldname": "ops_status", "label": _("OPS"), "fieldtype": "Data", "width": 90},
		{"fieldname": "material_status", "label": _("Material"), "fieldtype": "Data", "width": 110},
		{"fieldname": "production_status", "label": _("Production"), "fieldtype": "Data", "width": 100},
		{"fieldname": "qa_status", "label": _("QA"), "fieldtype": "Data", "width": 90},
	]
