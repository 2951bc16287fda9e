# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

"""First response and resolution compliance of HD Tickets per team or agent, over the tickets opened
in a period (the tickets the user may read), from Helpdesk's own targets and times."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, now_datetime, nowdate

from crm_order_extension.core.ticket_sla import compliance_rows

GROUPS = ("team", "agent")


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	frappe.has_permission("HD Ticket", "read", throw=True)
	group_by = filters.get("group_by") or "team"
	if group_by not in GROUPS:
		frappe.throw(_("Group by Team or Agent"), title=_("Ticket SLA Compliance"))
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -29))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Ticket SLA Compliance"))
	conditions = {
		"sla": ("is", "set"),
		"opening_date": ("between", [from_date, to_date]),
	}
	if filters.get("team"):
		conditions["agent_group"] = filters.team
	if filters.get("agent"):
		conditions["_assign"] = ("like", f"%{frappe.db.escape(filters.agent, percent=True)[1:-1]}%")
	tickets = frappe.get_list(
		"HD Ticket",
		filters=conditions,
		fields=[
			"name",
			"sla",
			"agent_group",
			"_assign",
			"response_by",
			"first_responded_on",
			"resolution_by",
			"resolution_date",
		],
		limit_page_length=0,
	)
	applies = {
		row.name: bool(row.apply_sla_for_resolution)
		for row in frappe.get_all("HD Service Level Agreement", fields=["name", "apply_sla_for_resolution"])
	}
	for ticket in tickets:
		ticket["resolution_applies"] = applies.get(ticket.sla, False)
	rows = compliance_rows(tickets, group_by, now_datetime())
	if filters.get("agent") and group_by == "agent":
		rows = [row for row in rows if row["group"] == filters.agent]
	for row in rows:
		row["group"] = row["group"] or _("(none)")
	return columns(group_by), rows, None, chart(rows)


def columns(group_by: str):
	group = (
		{"fieldname": "group", "label": _("Team"), "fieldtype": "Link", "options": "HD Team", "width": 180}
		if group_by == "team"
		else {"fieldname": "group", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 220}
	)
	return [
		group,
		{"fieldname": "tickets", "label": _("Tickets"), "fieldtype": "Int", "width": 80},
		{"fieldname": "response_met", "label": _("First Response Met"), "fieldtype": "Int", "width": 140},
		{
			"fieldname": "response_failed",
			"label": _("First Response Failed"),
			"fieldtype": "Int",
			"width": 150,
		},
		{
			"fieldname": "response_pending",
			"label": _("First Response Pending"),
			"fieldtype": "Int",
			"width": 160,
		},
		{
			"fieldname": "response_compliance",
			"label": _("First Response %"),
			"fieldtype": "Percent",
			"width": 130,
		},
		{"fieldname": "resolution_met", "label": _("Resolution Met"), "fieldtype": "Int", "width": 120},
		{"fieldname": "resolution_failed", "label": _("Resolution Failed"), "fieldtype": "Int", "width": 130},
		{
			"fieldname": "resolution_pending",
			"label": _("Resolution Pending"),
			"fieldtype": "Int",
			"width": 140,
		},
		{
			"fieldname": "resolution_compliance",
			"label": _("Resolution %"),
			"fieldtype": "Percent",
			"width": 110,
		},
	]


def chart(rows):
	return {
		"data": {
			"labels": [r["group"] for r in rows],
			"datasets": [
				{"name": _("First Response %"), "values": [r["response_compliance"] or 0 for r in rows]},
				{"name": _("Resolution %"), "values": [r["resolution_compliance"] or 0 for r in rows]},
			],
		},
		"type": "bar",
		"colors": ["#5E64FF", "#29CD42"],
	}
