"""Ticket SLA figures for the CRM SLA workspace's number cards (counts of the tickets the user may
read)."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime, today

from crm_order_extension import compat
from crm_order_extension.api.utils import JSONValue

TICKET = "HD Ticket"


def _open_filters() -> list:
	return [["status", "not in", compat.closed_ticket_statuses() or ["Closed"]]]


def _names(filters: list, fields: list[str] | None = None) -> list:
	return frappe.get_list(TICKET, filters=filters, fields=["name", *(fields or [])], limit_page_length=0)


@frappe.whitelist()
def at_risk_now(filters: JSONValue = None) -> dict:
	"""Open tickets past the at-risk point of a target that has not passed yet, not yet answered
	(first response) or resolved (resolution). A target without an at-risk point (warnings off) is
	never at risk: Frappe compares an empty datetime as 0001-01-01, hence the `is set`."""
	if not frappe.has_permission(TICKET, "read"):
		return {"value": 0, "fieldtype": "Int"}
	now = now_datetime()
	response = _names(
		[
			*_open_filters(),
			["first_responded_on", "is", "not set"],
			["response_by", ">", now],
			["custom_response_at_risk_at", "is", "set"],
			["custom_response_at_risk_at", "<=", now],
		]
	)
	resolution = _names(
		[
			*_open_filters(),
			["resolution_date", "is", "not set"],
			["resolution_by", ">", now],
			["custom_resolution_at_risk_at", "is", "set"],
			["custom_resolution_at_risk_at", "<=", now],
		]
	)
	return {"value": len({str(r.name) for r in response + resolution}), "fieldtype": "Int"}


@frappe.whitelist()
def failed_today(filters: JSONValue = None) -> dict:
	"""Tickets whose first-response or resolution target passed today without it being met."""
	if not frappe.has_permission(TICKET, "read"):
		return {"value": 0, "fieldtype": "Int"}
	start = get_datetime(today())
	end = min(start + timedelta(days=1), now_datetime())
	failed = set()
	for target, done in (("response_by", "first_responded_on"), ("resolution_by", "resolution_date")):
		for row in _names([[target, ">=", start], [target, "<", end]], [target, done]):
			if not row.get(done) or get_datetime(row.get(done)) > get_datetime(row.get(target)):
				failed.add(str(row.name))
	return {"value": len(failed), "fieldtype": "Int"}
