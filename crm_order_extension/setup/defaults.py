"""Idempotent default records the app needs beyond its fixtures.

Each step creates only what is missing and never changes a value that already exists, so an
admin's edits survive every migrate. Configuration only: a one-off fix of existing data is a
versioned patch (patches.txt), which runs once.
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


# Referral partners and who may read stored SSNs / EINs / ITINs (Sensitive ID reveal).
REFERRAL_AND_SENSITIVE_ROLES = ("Referral Partner", "Sensitive Data Viewer")


def referral_and_sensitive_roles():
	for role in REFERRAL_AND_SENSITIVE_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


# Read access the pipeline roles need on other apps' DocTypes: (doctype, role).
ROLE_READ_ACCESS = (("Customer", "Operations"), ("Customer", "Support"))


def _seeded() -> set[str]:
	value = frappe.db.get_single_value(SETTINGS, "seeded_defaults") or ""
	return {key for key in value.split() if key}


def run_once(key: str, seed) -> None:
	"""Run `seed` on the first install only: an admin who later deletes or edits what it made
	(a commission rule, a role permission) keeps that change through every migrate."""
	done = _seeded()
	if key in done:
		return
	seed()
	frappe.db.set_single_value(
		SETTINGS, "seeded_defaults", "\n".join(sorted(done | {key})), update_modified=False
	)


def _commission_rules():
	from crm_order_extension.core.commission import DEFAULT_RULES

	settings = frappe.get_single(SETTINGS)
	if settings.commission_rules:
		return
	for rule in DEFAULT_RULES:
		settings.append("commission_rules", rule)
	settings.flags.ignore_permissions = True
	settings.save()


def _role_read_access():
	from frappe.permissions import add_permission

	for doctype, role in ROLE_READ_ACCESS:
		# add_permission copies the standard rules to Custom DocPerm first, so nothing is lost,
		# and leaves an existing rule for the role alone.
		add_permission(doctype, role, 0, "read")


def _order_history_roles():
	from crm_order_extension.core.order_access import DEFAULT_ROLES
	from crm_order_extension.orders.permissions import ROLES_FIELD, history_roles, sync_field_access

	settings = frappe.get_single(SETTINGS)
	if not settings.get(ROLES_FIELD):
		for role in DEFAULT_ROLES:
			if frappe.db.exists("Role", role):
				settings.append(ROLES_FIELD, {"role": role})
		settings.flags.ignore_permissions = True
		settings.save()
	# Read access to the stored rows (permission level 1) for the listed roles.
	sync_field_access(grant=history_roles())


def commission_rules():
	run_once("commission_rules", _commission_rules)


def role_read_access():
	run_once("role_read_access", _role_read_access)


def order_history_roles():
	run_once("order_history_roles", _order_history_roles)


def forget_seeds():
	"""Uninstall takes what the one-time steps made, so a reinstall must run them again."""
	frappe.db.set_single_value(SETTINGS, "seeded_defaults", None, update_modified=False)


def remove_role_read_access():
	"""Uninstall: drop the read rules this app added (roles themselves stay, users may hold them)."""
	for doctype, role in ROLE_READ_ACCESS:
		for name in frappe.get_all("Custom DocPerm", filters={"parent": doctype, "role": role}, pluck="name"):
			frappe.delete_doc("Custom DocPerm", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)


def _docx_template(paragraphs: list[tuple[str, str]]) -> bytes:
	"""A .docx whose paragraphs carry the Jinja tags (each paragraph one run, so docxtpl sees
	every tag whole)."""
	import io

	from docx import Document

	document = Document()
	for kind, text in paragraphs:
		if kind == "title":
			document.add_heading(text, level=0)
		elif kind == "heading":
			document.add_heading(text, level=1)
		else:
			document.add_paragraph(text)
	out = io.BytesIO()
	document.save(out)
	return out.getvalue()


def _document_templates(names: tuple[str, ...] | None = None):
	"""The default Document Template per service type (or those of `names`), each made only when
	no template of that name exists (a reinstall after uninstall finds them)."""
	from crm_order_extension.core.document_defaults import default_templates

	for spec in default_templates():
		if names is not None and spec["template_name"] not in names:
			continue
		if frappe.db.exists("Document Template", spec["template_name"]):
			continue
		template = frappe.get_doc(
			{
				"doctype": "Document Template",
				"template_name": spec["template_name"],
				"pipeline_doctype": spec["pipeline_doctype"],
				"output_format": spec["output_format"],
				"description": spec["description"],
				"body_html": spec.get("body_html"),
				"conditions": [{"condition": c, "value": v} for c, v in spec["conditions"]],
			}
		)
		if spec.get("docx"):
			# The .docx is attached after insert; validation would ask for it first.
			template.flags.docx_pending = True
		template.insert(ignore_permissions=True)
		if spec.get("docx"):
			file_doc = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{frappe.scrub(spec['template_name'])}.docx",
					"attached_to_doctype": "Document Template",
					"attached_to_name": template.name,
					"attached_to_field": "docx_template",
					"is_private": 1,
					"content": _docx_template(spec["docx"]),
				}
			).insert(ignore_permissions=True)
			template.db_set("docx_template", file_doc.file_url, update_modified=False)


def _delivery_email_template():
	from crm_order_extension.core.document_defaults import DELIVERY_EMAIL

	if frappe.db.exists("Email Template", DELIVERY_EMAIL["name"]):
		return
	frappe.get_doc(
		{
			"doctype": "Email Template",
			"name": DELIVERY_EMAIL["name"],
			"subject": DELIVERY_EMAIL["subject"],
			"use_html": 1,
			"response_html": DELIVERY_EMAIL["response_html"],
		}
	).insert(ignore_permissions=True)


def document_templates():
	run_once("document_templates", _document_templates)


def delivery_email_template():
	run_once("delivery_email_template", _delivery_email_template)


def ein_letter_template():
	"""Added after the first templates: sites installed before get it once on migrate."""
	from crm_order_extension.core.document_defaults import EIN_LETTER

	run_once("ein_letter_template", lambda: _document_templates((EIN_LETTER,)))


def order_status_email_template():
	"""The Email Template of the agent's "Send order status" reply (issue 18), once."""
	from crm_order_extension.orders.ticket_actions import ensure_email_template

	run_once("order_status_email_template", ensure_email_template)


def crm_side_panel():
	from crm_order_extension.orders.crm_layout import add_to_side_panels

	run_once("crm_side_panel", add_to_side_panels)


STEPS = [
	settings_defaults,
	sla_configuration,
	pipeline_roles,
	commission_rules,
	role_read_access,
	order_history_roles,
	referral_and_sensitive_roles,
	document_templates,
	delivery_email_template,
	ein_letter_template,
	crm_side_panel,
	order_status_email_template,
]
