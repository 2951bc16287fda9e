# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

"""Every disclosure of a Sensitive ID (Access Log rows written by pipelines.sensitive_ids): who,
when, which record, customer and type, and how (Reveal or a generated Document with its purpose).
Customer and type are read from the log row itself, so the history outlives a deleted record."""

import json

import frappe
from frappe import _
from frappe.utils import add_days, add_months, getdate, nowdate

from crm_order_extension.pipelines.sensitive_ids import ACCESS_LOG, DOCTYPE, DOCUMENT, REVEAL, VIEWER_ROLE

ROLES = {"System Manager", VIEWER_ROLE}


# Reads only: on a site with a replica (read_from_replica) it runs there, not on the primary.
@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not ROLES & set(frappe.get_roles()):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	to_date = getdate(filters.to_date or nowdate())
	from_date = getdate(filters.from_date or add_months(to_date, -1))
	if from_date > to_date:
		frappe.throw(_("From Date must be before To Date"))
	conditions = {
		"export_from": DOCTYPE,
		"method": ("in", [REVEAL, DOCUMENT]),
		"timestamp": ("between", [from_date, add_days(to_date, 1)]),
	}
	if filters.user:
		conditions["user"] = filters.user
	if filters.record:
		conditions["reference_document"] = filters.record
	logs = frappe.get_all(
		ACCESS_LOG,
		filters=conditions,
		fields=["name", "user", "timestamp", "reference_document", "method", "filters"],
		order_by="timestamp desc",
	)
	rows = []
	for log in logs:
		try:
			details = json.loads(log.filters or "{}")
		except ValueError:
			details = {}
		if not isinstance(details, dict):
			details = {}
		if filters.customer and details.get("customer") != filters.customer:
			continue
		rows.append(
			{
				"timestamp": log.timestamp,
				"user": log.user,
				"record": log.reference_document,
				"customer": details.get("customer"),
				"id_type": details.get("id_type"),
				"entity_name": details.get("entity_name"),
				"method": log.method,
				"purpose": details.get("purpose"),
				"template": details.get("template"),
				"order": details.get("order"),
				"access_log": log.name,
			}
		)
	return columns(), rows


def columns():
	# Data, not Link columns: Frappe would filter the rows by the viewer's read access to each
	# linked DocType (a viewer need not read Customers, Users or Access Logs).
	return [
		{"label": _("Time"), "fieldname": "timestamp", "fieldtype": "Datetime", "width": 170},
		{"label": _("User"), "fieldname": "user", "fieldtype": "Data", "width": 200},
		{"label": _("Sensitive ID"), "fieldname": "record", "fieldtype": "Data", "width": 110},
		{"label": _("Customer"), "fieldname": "customer", "fieldtype": "Data", "width": 180},
		{"label": _("ID Type"), "fieldname": "id_type", "fieldtype": "Data", "width": 80},
		{"label": _("Entity"), "fieldname": "entity_name", "fieldtype": "Data", "width": 150},
		{"label": _("How"), "fieldname": "method", "fieldtype": "Data", "width": 90},
		{"label": _("Purpose"), "fieldname": "purpose", "fieldtype": "Data", "width": 200},
		{"label": _("Template"), "fieldname": "template", "fieldtype": "Data", "width": 160},
		{"label": _("Order"), "fieldname": "order", "fieldtype": "Data", "width": 180},
		{"label": _("Access Log"), "fieldname": "access_log", "fieldtype": "Data", "width": 110},
	]
