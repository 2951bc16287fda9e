"""Idempotent default records the app needs beyond its fixtures.

Each step creates only what is missing and never changes a value that already exists, so an
admin's edits survive every migrate.
"""

import frappe

SETTINGS = "CRM Order Extension Settings"


def settings_defaults():
	"""Store the field defaults of the settings once; later edits are left alone."""
	meta = frappe.get_meta(SETTINGS)
	singles = frappe.qb.Table("tabSingles")
	stored = set(
		frappe.qb.from_(singles).select(singles.field).where(singles.doctype == SETTINGS).run(pluck=True)
	)
	for df in meta.fields:
		if df.default is not None and df.fieldname not in stored:
			frappe.db.set_single_value(SETTINGS, df.fieldname, df.default, update_modified=False)
	frappe.clear_cache(doctype=SETTINGS)


def sla_configuration():
	from crm_order_extension.sla import setup

	setup.ensure_statuses()
	setup.ensure_slas()
	setup.ensure_indexes()


PIPELINE_ROLES = ("Operations", "Support", "Sales Agent", "Order Reviewer")


def pipeline_roles():
	for role in PIPELINE_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


STEPS = [settings_defaults, sla_configuration, pipeline_roles]
