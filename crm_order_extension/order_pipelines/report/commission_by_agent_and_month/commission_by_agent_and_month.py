# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

"""Commission Ledger per referrer (Sales Agent or Referral Partner) and month. Rows are read with
frappe.get_list, so an agent or partner sees only its own figures (the ledger's permission query
applies here as in the list view). The `agent` column names the agent or the partner; `party_type`
says which."""

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, getdate, nowdate

from crm_order_extension.core import commission
from crm_order_extension.core.referral import PARTY_TYPES


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.to_date or nowdate())
	from_date = getdate(filters.from_date or get_first_day(add_months(to_date, -11)))
	if from_date > to_date:
		frappe.throw(_("From Date must be before To Date"))
	conditions = {"earned_on": ("between", [from_date, to_date])}
	if filters.party_type:
		conditions["party_type"] = filters.party_type
	if filters.agent:
		conditions["agent"] = filters.agent
	if filters.partner:
		conditions["partner"] = filters.partner
	rows = frappe.get_list(
		"Commission Ledger",
		filters=conditions,
		fields=[
			"party_type",
			"agent",
			"agent_name",
			"partner",
			"partner_name",
			"earned_on",
			"status",
			"commission_amount",
		],
		limit_page_length=0,
	)
	party_types = {}
	for row in rows:
		if row.partner:
			row.agent, row.agent_name = row.partner, row.partner_name
		party_types[row.agent] = row.party_type or PARTY_TYPES[0]
	summary = commission.monthly_summary(rows)
	for line in summary:
		line["party_type"] = party_types.get(line["agent"])
	return columns(), summary


def columns():
	money = {"fieldtype": "Currency", "width": 120}
	return [
		{"label": _("Month"), "fieldname": "month", "fieldtype": "Data", "width": 90},
		{"label": _("Party Type"), "fieldname": "party_type", "fieldtype": "Data", "width": 120},
		{
			"label": _("Agent / Partner"),
			"fieldname": "agent",
			"fieldtype": "Dynamic Link",
			"options": "party_type",
			"width": 120,
		},
		{"label": _("Name"), "fieldname": "agent_name", "fieldtype": "Data", "width": 160},
		{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
		{"label": _("Pending"), "fieldname": "pending", **money},
		{"label": _("Eligible"), "fieldname": "eligible", **money},
		{"label": _("Paid"), "fieldname": "paid", **money},
		{"label": _("Reversed"), "fieldname": "reversed", **money},
		{"label": _("Total Earned"), "fieldname": "total", **money},
	]
