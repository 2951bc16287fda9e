# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

"""Commission Ledger per agent and month. Rows are read with frappe.get_list, so a Sales Agent
sees only its own figures (the ledger's permission query applies here as in the list view)."""

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, getdate, nowdate

from crm_order_extension.core import commission


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.to_date or nowdate())
	from_date = getdate(filters.from_date or get_first_day(add_months(to_date, -11)))
	if from_date > to_date:
		frappe.throw(_("From Date must be before To Date"))
	conditions = {"earned_on": ("between", [from_date, to_date])}
	if filters.agent:
		conditions["agent"] = filters.agent
	rows = frappe.get_list(
		"Commission Ledger",
		filters=conditions,
		fields=["agent", "agent_name", "earned_on", "status", "commission_amount"],
		limit_page_length=0,
	)
	return columns(), commission.monthly_summary(rows)


def columns():
	money = {"fieldtype": "Currency", "width": 120}
	return [
		{"label": _("Month"), "fieldname": "month", "fieldtype": "Data", "width": 90},
		{
			"label": _("Sales Agent"),
			"fieldname": "agent",
			"fieldtype": "Link",
			"options": "Sales Agent",
			"width": 120,
		},
		{"label": _("Agent Name"), "fieldname": "agent_name", "fieldtype": "Data", "width": 160},
		{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
		{"label": _("Pending"), "fieldname": "pending", **money},
		{"label": _("Eligible"), "fieldname": "eligible", **money},
		{"label": _("Paid"), "fieldname": "paid", **money},
		{"label": _("Reversed"), "fieldname": "reversed", **money},
		{"label": _("Total Earned"), "fieldname": "total", **money},
	]
