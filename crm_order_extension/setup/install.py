"""Install, migrate and uninstall hooks.

Fixtures (hooks.fixtures) carry the app's own definitions in other apps' DocTypes (custom fields,
form scripts); Frappe re-imports them on every migrate, so they always match the app's code.
Configuration an admin is expected to tune (settings, SLA records, statuses) is created here by
idempotent steps that only add what is missing: running migrate twice changes nothing and an
admin's edits are never overwritten.
"""

import frappe

APP = "crm_order_extension"


def after_install():
	# Frappe syncs fixtures only after this hook; the steps need the custom columns (indexes).
	from frappe.utils.fixtures import sync_fixtures

	sync_fixtures(APP)
	run_setup_steps()
	ensure_declared_indexes()
	from crm_order_extension.sla.setup import restore_after_reinstall

	restore_after_reinstall()


def after_migrate():
	run_setup_steps()
	ensure_declared_indexes()


def ensure_declared_indexes():
	from crm_order_extension.setup.indexes import ensure_declared_indexes

	ensure_declared_indexes()


def before_uninstall():
	from crm_order_extension.orders.permissions import remove_field_access
	from crm_order_extension.setup.defaults import forget_seeds, remove_role_read_access

	remove_app_owned_records()
	remove_scheduled_jobs()
	remove_role_read_access()
	remove_field_access()
	from crm_order_extension.orders.crm_layout import remove_from_side_panels

	remove_from_side_panels()
	forget_seeds()
	from crm_order_extension.sla.setup import disable_for_uninstall

	disable_for_uninstall()


def remove_scheduled_jobs():
	"""Frappe drops an uninstalled app's scheduled jobs only on the next migrate; until then the
	scheduler would call missing code every five minutes."""
	for name in frappe.get_all("Scheduled Job Type", filters={"method": ("like", f"{APP}.%")}, pluck="name"):
		frappe.delete_doc("Scheduled Job Type", name, ignore_permissions=True, force=True)


def setup_steps():
	"""Idempotent steps run after install and after every migrate, in order."""
	from crm_order_extension.setup import defaults

	return defaults.STEPS


def run_setup_steps():
	for step in setup_steps():
		step()


def app_owned_records() -> list[tuple[str, str]]:
	"""(doctype, name) of every record the app owns in DocTypes of other modules.

	Derived from `hooks.fixtures`, so shipping a record and removing it on uninstall can never
	drift apart. The app's own DocTypes go with its modules when Frappe uninstalls it.
	"""
	records = []
	own_modules = set(frappe.get_module_list(APP))
	for fixture in frappe.get_hooks("fixtures", app_name=APP):
		if isinstance(fixture, str):
			fixture = {"dt": fixture}
		doctype = fixture.get("dt") or fixture.get("doctype")
		if not frappe.db.exists("DocType", doctype):
			continue
		if frappe.db.get_value("DocType", doctype, "module") in own_modules:
			continue
		names = frappe.get_all(
			doctype,
			filters=fixture.get("filters"),
			or_filters=fixture.get("or_filters"),
			pluck="name",
		)
		records.extend((doctype, name) for name in names)
	return records


def remove_app_owned_records():
	"""Remove custom fields, property setters and form scripts so CRM, Helpdesk and ERPNext keep
	working without the app's code (a form script calling a missing method would break /crm)."""
	touched = set()
	for doctype, name in app_owned_records():
		frappe.delete_doc(doctype, name, ignore_permissions=True, force=True, ignore_missing=True)
		touched.add(doctype)
	for doctype in touched:
		frappe.clear_cache(doctype=doctype)
	frappe.clear_cache()


def before_tests():
	"""`run-tests --app crm_order_extension` runs only this app's before_tests hook; a fresh site has
	not been through ERPNext's setup wizard (no Customer Groups, Warehouse Types, ...), so run
	ERPNext's own test setup, which completes it, once.

	Under tests Frappe sends every queued email at once and commits while doing so (EmailQueue.send
	-> SendMailContext), which would commit a test's records into the site: emails stay queued
	(muted) instead, and tests read the Email Queue."""
	frappe.flags.mute_emails = True
	if frappe.db.a_row_exists("Company"):
		return
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
