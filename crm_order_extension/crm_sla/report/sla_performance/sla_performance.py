# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension.core.sla_report import daily_rows
from crm_order_extension.sla.cycles import CYCLE_DOCTYPE, CYCLES_FIELD, SLA_DOCTYPES


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctype = filters.get("reference_doctype") or "CRM Lead"
	if doctype not in SLA_DOCTYPES:
		frappe.throw(_("SLA Performance is available for {0}").format(", ".join(SLA_DOCTYPES)))
	frappe.has_permission(doctype, "read", throw=True)
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -29))
	cycles = frappe.get_all(
		CYCLE_DOCTYPE,
		filters={
			"parenttype": doctype,
			"parentfield": CYCLES_FIELD,
			"cycle_start": ("between", [from_date, f"{to_date} 23:59:59.999999"]),
		},
		fields=["parent", "cycle_start", "outcome", "first_response_time"],
	)
	rows = daily_rows(cycles, from_date, to_date)
	return columns(), rows, None, chart(rows), summary(rows)


def columns():
	return [
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 90},
		{"fieldname": "fulfilled", "label": _("Fulfilled"), "fieldtype": "Int", "width": 90},
		{"fieldname": "failed", "label": _("Failed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "pending", "label": _("Pending"), "fieldtype": "Int", "width": 90},
		{"fieldname": "fulfilment_pct", "label": _("Fulfilment %"), "fieldtype": "Percent", "width": 110},
		{
			"fieldname": "median_first_response",
			"label": _("Median First Response"),
			"fieldtype": "Duration",
			"width": 170,
		},
	]


def chart(rows):
	return {
		"data": {
			"labels": [frappe.format(r["date"], {"fieldtype": "Date"}) for r in rows],
			"datasets": [
				{"name": _("Fulfilled"), "values": [r["fulfilled"] for r in rows]},
				{"name": _("Failed"), "values": [r["failed"] for r in rows]},
			],
		},
		"type": "bar",
		"colors": ["#29CD42", "#E24C4C"],
		"barOptions": {"stacked": 1},
	}


def summary(rows):
	fulfilled = sum(r["fulfilled"] for r in rows)
	failed = sum(r["failed"] for r in rows)
	decided = fulfilled + failed
	return [
		{"label": _("Fulfilled"), "value": fulfilled, "indicator": "Green", "datatype": "Int"},
		{"label": _("Failed"), "value": failed, "indicator": "Red", "datatype": "Int"},
		{
			"label": _("Fulfilment %"),
			"value": round(100.0 * fulfilled / decided, 1) if decided else 0,
			"indicator": "Blue",
			"datatype": "Percent",
		},
	]
