"""The Order Sync Health report shows customers and their order counts: it follows the order-history
access check (orders/permissions.py), over HTTP as the report's users (issue 15, item 6)."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_records, delete_users
from crm_order_extension.tests.crm_access import assign
from crm_order_extension.tests.http_client import api_user, request

REPORT = "Order Sync Health"


class TestOrderSyncHealthAccess(FrappeTestCase):
	AGENT = "coe-health-agent@example.com"
	RESTRICTED = "coe-health-restricted@example.com"
	NOBODY = "coe-health-nobody@example.com"
	MANAGER = "coe-health-manager@example.com"
	USERS = (AGENT, RESTRICTED, NOBODY, MANAGER)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx.ensure_master_data()
		frappe.set_user("Administrator")
		cls.customer = fx.make_customer(f"Health Baker {frappe.generate_hash(length=6)}")
		cls.other_customer = fx.make_customer(f"Health Other {frappe.generate_hash(length=6)}")
		fx.make_sales_order(cls.customer, [("COE-CAKE", 1, 5)])
		cls.lead = fx.make_lead("Health", custom_erpnext_customer=cls.customer).name
		# Its (customer's) history predates the customer's orders: "Stale" in the report.
		frappe.db.set_value(
			"CRM Lead", cls.lead, "custom_orders_synced_on", "2000-01-01 00:00:00", update_modified=False
		)
		frappe.db.set_value(
			"Customer Order History", {"customer": cls.customer}, "synced_on", "2000-01-01 00:00:00"
		)
		cls.agent = api_user(cls.AGENT, ["Agent"])
		# A Helpdesk agent whose User Permissions allow another customer only (for Sales Orders).
		cls.restricted = api_user(cls.RESTRICTED, ["Agent"])
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": cls.RESTRICTED,
				"allow": "Customer",
				"for_value": cls.other_customer,
				"apply_to_all_doctypes": 0,
				"applicable_for": "Sales Order",
			}
		).insert(ignore_permissions=True)
		api_user(cls.NOBODY, ["Blogger"])
		cls.manager = api_user(cls.MANAGER, ["Sales Manager"])
		# Each user reads the lead the way CRM grants it on every release (an assignment).
		cls.todos = [todo for user in cls.USERS for todo in assign("CRM Lead", cls.lead, user)]
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_records([("ToDo", todo) for todo in cls.todos] + [("CRM Lead", cls.lead)])
		frappe.db.delete("DocShare", {"share_doctype": "CRM Lead", "share_name": cls.lead})
		delete_customers([cls.customer, cls.other_customer])
		delete_users(cls.USERS)
		frappe.db.commit()
		super().tearDownClass()

	def run_report(self, auth):
		return request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": REPORT, "filters": json.dumps({"reference_doctype": "CRM Lead"})},
			auth=auth,
		)

	def rows_for_lead(self, response) -> list[dict]:
		self.assertEqual(response.status, 200, response.body[:500])
		return [r for r in response.json()["message"]["result"] if r.get("reference_name") == self.lead]

	def test_users_who_see_order_histories_get_the_row(self):
		"""A Helpdesk agent (an allowed role; reads no Customers: the customer is plain text) and a
		Sales Manager (reads Sales Orders and Customers: a link)."""
		for auth, customer_type in ((self.agent, "Data"), (self.manager, "Link")):
			response = self.run_report(auth)
			[row] = self.rows_for_lead(response)
			self.assertEqual(
				(row["customer"], row["submitted_orders"], row["problem"]), (self.customer, 1, "Stale")
			)
			columns = {c["fieldname"]: c for c in response.json()["message"]["columns"]}
			self.assertEqual(columns["customer"]["fieldtype"], customer_type)
			self.assertEqual(columns["reference_doctype"]["fieldtype"], "Data")

	def test_user_permissions_on_customer_hide_other_customers_rows(self):
		response = self.run_report(self.restricted)
		self.assertEqual(self.rows_for_lead(response), [])
		self.assertNotIn(self.customer, response.body)

	def test_a_user_without_order_history_access_is_refused(self):
		"""The report's own check, in process (over HTTP Frappe refuses this user the report before
		it runs, as it lacks the report's roles)."""
		from crm_order_extension.crm_order_extension.report.order_sync_health import order_sync_health

		frappe.set_user(self.NOBODY)
		try:
			self.assertTrue(frappe.has_permission("CRM Lead", "read", doc=self.lead))  # the premise
			with self.assertRaises(frappe.PermissionError) as err:
				order_sync_health.execute({"reference_doctype": "CRM Lead"})
			self.assertIn("not permitted to see order histories", str(err.exception))
			frappe.set_user(self.RESTRICTED)
			_columns, rows = order_sync_health.execute({"reference_doctype": "CRM Lead"})
			self.assertNotIn(self.lead, [r["reference_name"] for r in rows])
			frappe.set_user(self.AGENT)
			_columns, rows = order_sync_health.execute({"reference_doctype": "CRM Lead"})
			self.assertIn(self.lead, [r["reference_name"] for r in rows])
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(self.run_report(self.auth_nobody()).status, 403)

	def auth_nobody(self):
		return api_user(self.NOBODY, ["Blogger"])


class TestReportsReadFromAReplica(FrappeTestCase):
	"""Every report of the app runs under frappe.read_only(): with `read_from_replica` set, it reads
	through the replica connection, not the primary (issue 17, beyond one machine). The "replica"
	here is the same MariaDB through a second connection: it cannot see this test's uncommitted
	lead, which the primary connection sees."""

	def setUp(self):
		frappe.set_user("Administrator")
		self.saved = {k: frappe.conf.get(k) for k in ("read_from_replica", "replica_host")}
		self.lead = fx.make_lead("Replica", email=f"{frappe.generate_hash(length=8)}@example.com").name
		frappe.db.set_value("CRM Lead", self.lead, "custom_orders_synced_on", None, update_modified=False)

	def tearDown(self):
		frappe.conf.update(self.saved)
		for attribute in ("replica_db", "primary_db"):
			if hasattr(frappe.local, attribute):
				delattr(frappe.local, attribute)

	def names(self) -> list[str]:
		from crm_order_extension.crm_order_extension.report.order_sync_health import order_sync_health

		_columns, rows = order_sync_health.execute({"reference_doctype": "CRM Lead", "limit": 500})
		return [r["reference_name"] for r in rows]

	def test_the_reports_run_on_the_replica_connection(self):
		import importlib
		import pathlib

		self.assertIn(self.lead, self.names())  # the primary sees it ("Never synced")
		primary = frappe.db
		frappe.conf.update(read_from_replica=1, replica_host=frappe.conf.db_host or "127.0.0.1")
		self.assertNotIn(self.lead, self.names())  # the replica connection does not
		self.assertIs(frappe.db, primary)  # and the request is back on the primary

		app = pathlib.Path(frappe.get_app_path("crm_order_extension"))
		reports = sorted(app.glob("*/report/*/*.py"))
		self.assertGreaterEqual(len(reports), 6)
		for path in reports:
			if path.stem == "__init__":
				continue
			module = importlib.import_module(
				"crm_order_extension." + ".".join(path.relative_to(app).with_suffix("").parts)
			)
			# frappe.read_only()'s wrapper (functools.wraps keeps the report's own as __wrapped__)
			self.assertTrue(hasattr(module.execute, "__wrapped__"), path)
			self.assertIn("connect_replica", module.execute.__code__.co_names, path)
