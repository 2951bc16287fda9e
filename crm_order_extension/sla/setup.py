"""SLA configuration installed idempotently: created when missing, never overwritten afterwards."""

import frappe

from crm_order_extension.core import sla as rules
from crm_order_extension.core.business_hours import WEEKDAYS

DEAL_FOLLOW_UP_SLA = "Deal Follow-up Response SLA"

SLA_DEFINITIONS = (
	{
		"sla_name": rules.LEAD_RESPONSE_SLA,
		"apply_on": "CRM Lead",
		"condition": f'doc.status == "{rules.NEW}" and doc.communication_status == "{rules.OPEN_COMM}"',
	},
	{
		"sla_name": rules.CUSTOMER_FOLLOW_UP_SLA,
		"apply_on": "CRM Lead",
		"condition": f'doc.status == "{rules.OPEN}" and doc.communication_status == "{rules.OPEN_COMM}"',
	},
	{
		"sla_name": DEAL_FOLLOW_UP_SLA,
		"apply_on": "CRM Deal",
		"condition": f'doc.communication_status == "{rules.OPEN_COMM}"',
	},
)

# SLA to start for a deal's new cycle (deals have no New/OPEN lead statuses).
DEAL_SLA = DEAL_FOLLOW_UP_SLA

INDEXES = {
	"CRM Lead": (
		("sla_status", "response_by"),
		("communication_status", "status"),
		("custom_resolution_status", "custom_resolution_by"),
	),
	"CRM Deal": (
		("sla_status", "response_by"),
		("custom_resolution_status", "custom_resolution_by"),
	),
}


def ensure_statuses():
	for status in (rules.OPEN_COMM, rules.REPLIED):
		if not frappe.db.exists("CRM Communication Status", status):
			frappe.get_doc({"doctype": "CRM Communication Status", "status": status}).insert(
				ignore_permissions=True
			)
	if not frappe.db.exists("CRM Lead Status", rules.OPEN):
		contacted = frappe.db.get_value("CRM Lead Status", rules.CONTACTED, "position") or 0
		frappe.get_doc(
			{
				"doctype": "CRM Lead Status",
				"lead_status": rules.OPEN,
				"color": "orange",
				"position": contacted + 1,
			}
		).insert(ignore_permissions=True)


def ensure_slas():
	for definition in SLA_DEFINITIONS:
		if frappe.db.exists("CRM Service Level Agreement", definition["sla_name"]):
			continue
		frappe.get_doc(
			{
				"doctype": "CRM Service Level Agreement",
				**definition,
				"enabled": 1,
				"default": 0,
				"priorities": [
					{
						"priority": rules.OPEN_COMM,
						"first_response_time": int(rules.RESPONSE_TARGET.total_seconds()),
						"default_priority": 1,
					}
				],
				"working_hours": [
					{"workday": day, "start_time": "00:00:00", "end_time": "23:59:59"} for day in WEEKDAYS
				],
			}
		).insert(ignore_permissions=True)


def ensure_indexes():
	"""Indexes the 5-minute sweep needs; add_index skips an index that exists."""
	for doctype, indexes in INDEXES.items():
		meta = frappe.get_meta(doctype)
		for columns in indexes:
			if all(meta.has_field(c) for c in columns):
				frappe.db.add_index(doctype, list(columns))
