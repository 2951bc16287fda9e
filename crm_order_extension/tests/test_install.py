import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.fixtures import sync_fixtures

from crm_order_extension.setup import install

APP = "crm_order_extension"


def snapshot():
	"""Every record the app owns elsewhere, with its last modification, plus its settings."""
	records = sorted(
		(doctype, name, str(frappe.db.get_value(doctype, name, "modified")))
		for doctype, name in install.app_owned_records()
	)
	singles = frappe.qb.Table("tabSingles")
	settings = sorted(
		frappe.qb.from_(singles)
		.select(singles.field, singles.value)
		.where(singles.doctype == "CRM Order Extension Settings")
		.run()
	)
	return records, settings


def migrate_app_hooks():
	"""What `bench migrate` runs for this app after syncing its DocTypes."""
	from frappe.core.doctype.scheduled_job_type.scheduled_job_type import sync_jobs

	sync_fixtures(APP)
	sync_jobs()
	install.after_migrate()


class TestInstall(FrappeTestCase):
	def test_app_is_installed_with_its_modules(self):
		self.assertIn(APP, frappe.get_installed_apps())
		for module, doctypes, workspace in (
			("CRM Order Extension", ("CRM Lead Order Item", "CRM Order Extension Settings"), None),
			("CRM SLA", ("CRM SLA Cycle",), "CRM SLA"),
			("Order Pipelines", ("Formation Order", "Commission Ledger", "Sensitive ID"), "Order Pipelines"),
		):
			self.assertEqual(frappe.db.get_value("Module Def", module, "app_name"), APP)
			for doctype in doctypes:
				self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), module)
			if workspace:
				# Desk's breadcrumbs lead from a record to its module's first workspace
				self.assertEqual(frappe.db.get_value("Workspace", workspace, "module"), module)

	def test_required_apps_and_hooks_load(self):
		from frappe.installer import parse_app_name

		required = [parse_app_name(app) for app in frappe.get_hooks("required_apps", app_name=APP)]
		self.assertEqual(required, ["frappe", "erpnext", "payments", "crm", "helpdesk"])
		self.assertTrue(set(required) <= set(frappe.get_installed_apps()))
		for hook in ("after_install", "after_migrate", "before_uninstall"):
			paths = frappe.get_hooks(hook, app_name=APP)
			self.assertEqual(len(paths), 1, hook)
			self.assertTrue(callable(frappe.get_attr(paths[0])))
		for events in frappe.get_hooks("doc_events", app_name=APP).values():
			for handlers in events.values():
				for handler in handlers if isinstance(handlers, list) else [handlers]:
					self.assertTrue(callable(frappe.get_attr(handler)), handler)
		for fixture in frappe.get_hooks("fixtures", app_name=APP):
			self.assertTrue(frappe.db.exists("DocType", fixture["dt"]), fixture["dt"])

	def test_fixtures_are_installed(self):
		for doctype in ("CRM Lead", "CRM Deal", "HD Ticket"):
			meta = frappe.get_meta(doctype)
			self.assertTrue(meta.has_field("custom_order_history_view"), doctype)
			self.assertTrue(meta.has_field("custom_orders_synced_on"), doctype)
			# the history rows are server-owned: no Table field loads or saves them with the record
			self.assertFalse(meta.has_field("custom_order_history"), doctype)
		work_order = frappe.get_meta("Work Order")
		for fieldname in (
			"custom_ops_status",
			"custom_ingredients_status",
			"custom_production_status",
			"custom_qa_status",
		):
			self.assertTrue(work_order.get_field(fieldname).allow_on_submit, fieldname)
		self.assertTrue(work_order.track_changes)

	def test_migrate_twice_changes_nothing(self):
		migrate_app_hooks()
		first = snapshot()
		migrate_app_hooks()
		self.assertEqual(snapshot(), first)
		self.assertTrue(first[0], "the app owns records in other apps' DocTypes")

	def test_migrate_keeps_admin_edits_to_settings(self):
		before = frappe.db.get_single_value("CRM Order Extension Settings", "max_orders")
		try:
			frappe.db.set_single_value("CRM Order Extension Settings", "max_orders", 7)
			migrate_app_hooks()
			self.assertEqual(frappe.db.get_single_value("CRM Order Extension Settings", "max_orders"), 7)
		finally:
			# the uninstall test of this class commits (DDL): the edit must not reach the site
			frappe.db.set_single_value("CRM Order Extension Settings", "max_orders", before)

	def test_uninstall_then_reinstall(self):
		"""Removing and re-adding custom fields is DDL, which commits: the test puts everything
		back and commits that too, so the site keeps its scheduled jobs, fields and settings."""
		self.assertTrue(install.app_owned_records())
		jobs = sorted(
			frappe.get_all("Scheduled Job Type", filters={"method": ("like", f"{APP}.%")}, pluck="method")
		)
		lead = None
		try:
			install.before_uninstall()
			self.assertEqual(install.app_owned_records(), [])
			self.assertFalse(frappe.db.exists("Scheduled Job Type", {"method": ("like", f"{APP}.%")}))
			self.assertEqual(
				frappe.db.get_value("CRM Service Level Agreement", "Lead Response SLA", "enabled"), 0
			)
			for doctype in ("CRM Lead", "CRM Deal", "HD Ticket"):
				self.assertFalse(frappe.get_meta(doctype).has_field("custom_order_history_view"), doctype)
			# CRM keeps working without the app's fields.
			lead = frappe.get_doc(
				{"doctype": "CRM Lead", "first_name": "Uninstall", "email": "u@example.com"}
			)
			lead.insert(ignore_permissions=True)
			self.assertTrue(frappe.db.exists("CRM Lead", lead.name))
		finally:
			if lead:
				frappe.delete_doc("CRM Lead", lead.name, force=True, ignore_permissions=True)
			install.after_install()
			migrate_app_hooks()
			frappe.clear_cache()
			frappe.db.commit()
		self.assertEqual(
			sorted(
				frappe.get_all("Scheduled Job Type", filters={"method": ("like", f"{APP}.%")}, pluck="method")
			),
			jobs,
		)
		self.assertTrue(frappe.get_meta("CRM Lead").has_field("custom_order_history_view"))
		self.assertTrue(frappe.get_meta("HD Ticket").has_field("custom_order_history_view"))
		self.assertEqual(
			frappe.db.get_value("CRM Service Level Agreement", "Lead Response SLA", "enabled"), 1
		)
