"""SLA configuration installed idempotently: created when missing, never overwritten afterwards."""

import frappe

from crm_order_extension import compat
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
		("custom_sla_sweep_token",),
		("communication_status", "status"),
		("custom_resolution_status", "custom_resolution_by"),
	),
	"CRM Deal": (
		("sla_status", "response_by"),
		("custom_sla_sweep_token",),
		("custom_resolution_status", "custom_resolution_by"),
	),
	"CRM SLA Cycle": (("outcome", "response_by"),),
}


def ensure_statuses():
	for status in (rules.OPEN_COMM, rules.REPLIED):
		if not frappe.db.exists("CRM Communication Status", status):
			frappe.get_doc({"doctype": "CRM Communication Status", "status": status}).insert(
				ignore_permissions=True
			)
	if not frappe.db.exists("CRM Lead Status", rules.OPEN):
		# Last position: CRM orders statuses by it and two statuses must not share one.
		last = frappe.get_all("CRM Lead Status", fields=["max(position) as p"])[0].p or 0
		frappe.get_doc(
			{"doctype": "CRM Lead Status", "lead_status": rules.OPEN, "color": "orange", "position": last + 1}
		).insert(ignore_permissions=True)


def ensure_slas():
	# The app restarts the response clock on every customer email itself (sla/communication.py):
	# where CRM can roll responses too (v1.56+), its SLAs are made without, so one clock runs.
	options = {"rolling_responses": 0} if compat.sla_has_rolling_responses() else {}
	for definition in SLA_DEFINITIONS:
		if frappe.db.exists("CRM Service Level Agreement", definition["sla_name"]):
			continue
		frappe.get_doc(
			{
				"doctype": "CRM Service Level Agreement",
				**definition,
				**options,
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


UNINSTALL_MARKER = "crm_order_extension_slas_disabled_by_uninstall"


def disable_for_uninstall():
	"""Leads keep links to the SLA records, so they stay; disabled, CRM stops applying them once the
	automation that moves leads through OPEN is gone. A reinstall enables them again."""
	disabled = []
	for definition in SLA_DEFINITIONS:
		name = definition["sla_name"]
		if frappe.db.get_value("CRM Service Level Agreement", name, "enabled"):
			frappe.db.set_value("CRM Service Level Agreement", name, "enabled", 0)
			disabled.append(name)
	frappe.db.set_default(UNINSTALL_MARKER, frappe.as_json(disabled))


def restore_after_reinstall():
	marker = frappe.db.get_default(UNINSTALL_MARKER)
	if not marker:
		return
	for name in frappe.parse_json(marker) or []:
		if frappe.db.exists("CRM Service Level Agreement", name):
			frappe.db.set_value("CRM Service Level Agreement", name, "enabled", 1)
	frappe.db.set_default(UNINSTALL_MARKER, None)
