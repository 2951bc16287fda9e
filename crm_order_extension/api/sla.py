"""SLA figures for the workspace's number cards (permission-aware counts)."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime, today

from crm_order_extension.api.utils import JSONValue
from crm_order_extension.core import sla as rules


def _count(filters: list) -> int:
	if not frappe.has_permission("CRM Lead", "read"):
		return 0
	return frappe.get_list("CRM Lead", filters=filters, fields=["count(name) as n"])[0].n or 0


@frappe.whitelist()
def failed_today(filters: JSONValue = None) -> dict:
	"""Leads whose response target passed today without an answer in time."""
	start = get_datetime(today())
	value = _count(
		[
			["sla_status", "=", rules.FAILED],
			["response_by", ">=", start],
			["response_by", "<", start + timedelta(days=1)],
		]
	)
	return {"value": value, "fieldtype": "Int"}


@frappe.whitelist()
def at_risk_now(filters: JSONValue = None) -> dict:
	"""Leads still waiting whose response target falls within the at-risk margin."""
	margin = int(frappe.get_cached_doc("CRM Order Extension Settings").at_risk_minutes or 30)
	now = now_datetime()
	value = _count(
		[
			["sla_status", "=", rules.FIRST_RESPONSE_DUE],
			["response_by", ">=", now],
			["response_by", "<=", now + timedelta(minutes=margin)],
		]
	)
	return {"value": value, "fieldtype": "Int"}
