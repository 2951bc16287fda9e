"""Sensitive ID: an SSN / EIN / ITIN is stored encrypted, shown masked everywhere, revealed only to
the Sensitive Data Viewer role (logged), and its encrypted value goes with the record."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from crm_order_extension.api import sensitive_ids as api
from crm_order_extension.pipelines import sensitive_ids
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_users
from crm_order_extension.tests.http_client import api_user, request

DOCTYPE = "Sensitive ID"
SSN, SSN_DIGITS = "287-65-4321", "287654321"
EIN, EIN_DIGITS = "27-1948365", "271948365"
ITIN, ITIN_DIGITS = "912 78 3456", "912783456"
ALL_DIGITS = (SSN_DIGITS, EIN_DIGITS, ITIN_DIGITS, "287-65-4321", "27-1948365", "912-78-3456")


def auth_rows(name: str) -> list:
	auth = frappe.qb.Table("__Auth")
	return (
		frappe.qb.from_(auth)
		.select(auth.password)
		.where((auth.doctype == DOCTYPE) & (auth.name == name))
		.run(pluck=True)
	)


def make_id(customer: str, id_type: str, value: str, entity_name: str | None = None):
	return frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"customer": customer,
			"id_type": id_type,
			"id_value": value,
			"entity_name": entity_name,
		}
	).insert()


def delete_sensitive_ids(customers, since) -> None:
	"""The records of these customers, their Versions and every Sensitive ID Access Log since `since`."""
	names = frappe.get_all(DOCTYPE, filters={"customer": ("in", customers)}, pluck="name")
	for name in names:
		frappe.delete_doc(DOCTYPE, name, force=True, ignore_permissions=True, delete_permanently=True)
	if names:
		frappe.db.delete("Version", {"ref_doctype": DOCTYPE, "docname": ("in", names)})
	frappe.db.delete("Access Log", {"export_from": DOCTYPE, "creation": (">=", since)})


class SensitiveIDTestCase(FrappeTestCase):
	USERS = {
		"coe-sid-viewer@example.com": ["Sensitive Data Viewer"],
		"coe-sid-ops@example.com": ["Operations"],
		"coe-sid-sysman@example.com": ["System Manager"],
		"coe-sid-agent@example.com": ["Sales Agent"],
	}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.started = now_datetime()
		frappe.set_user("Administrator")
		cls.customer = fx.make_customer(f"SID Client {frappe.generate_hash(length=5)}")
		cls.auth = {user: api_user(user, roles) for user, roles in cls.USERS.items()}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_sensitive_ids([cls.customer], cls.started)
		delete_customers([cls.customer])
		delete_users(list(cls.USERS))
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		# A fresh transaction: it sees what HTTP requests committed in their own connections.
		frappe.db.rollback()
		frappe.set_user("Administrator")

	def tearDown(self):
		# Each test's own records go again; what the tests share was committed in setUpClass.
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def assertNoDigits(self, text, context=None):
		for digits in ALL_DIGITS:
			self.assertNotIn(digits, text, context)


class TestStorage(SensitiveIDTestCase):
	def test_the_number_is_encrypted_and_masked(self):
		doc = make_id(self.customer, "SSN", SSN)
		self.assertEqual(doc.id_value, "*********")
		self.assertEqual(doc.masked, "***-**-4321")
		self.assertEqual(frappe.db.get_value(DOCTYPE, doc.name, "id_value"), "*********")
		[encrypted] = auth_rows(doc.name)
		self.assertNoDigits(encrypted)
		self.assertEqual(get_decrypted_password(DOCTYPE, doc.name, "id_value"), SSN_DIGITS)

		ein = make_id(self.customer, "EIN", EIN, entity_name="  Acme   Widgets LLC ")
		self.assertEqual((ein.masked, ein.entity_name), ("**-***8365", "Acme Widgets LLC"))
		itin = make_id(self.customer, "ITIN", ITIN, entity_name="ignored")
		self.assertEqual((itin.masked, itin.entity_name), ("***-**-3456", None))

	def test_invalid_numbers_are_refused_and_nothing_is_stored(self):
		before = frappe.db.count(DOCTYPE)
		for id_type, value, fragment in (
			("SSN", "666-12-3456", "000, 666 or 9"),
			("SSN", "287-00-4321", "cannot be 00"),
			("SSN", "28765432", "9 digits"),
			("EIN", "07-1948365", "campus prefix"),
			("ITIN", "912-49-3456", "50-65"),
			("ITIN", "812-78-3456", "starts with 9"),
		):
			with self.assertRaises(frappe.ValidationError) as err:
				make_id(self.customer, id_type, value)
			message = str(err.exception)
			self.assertIn(fragment, message)
			self.assertNotIn(value, message)
			self.assertNotIn("".join(c for c in value if c.isdigit()), message)
		self.assertEqual(frappe.db.count(DOCTYPE), before)
		auth = frappe.qb.Table("__Auth")
		orphans = (
			frappe.qb.from_(auth)
			.select(auth.name)
			.where((auth.doctype == DOCTYPE) & auth.name.notin(frappe.get_all(DOCTYPE, pluck="name") or [""]))
			.run(pluck=True)
		)
		self.assertEqual(orphans, [])

	def test_one_record_per_customer_type_and_entity(self):
		make_id(self.customer, "SSN", SSN)
		with self.assertRaises(frappe.UniqueValidationError) as err:
			make_id(self.customer, "SSN", "123-45-6789")
		self.assertIn("already has an SSN on file", str(err.exception))
		make_id(self.customer, "EIN", EIN, entity_name="Acme LLC")
		make_id(self.customer, "EIN", "12-3456789", entity_name="Acme Holdings Inc")  # another entity
		with self.assertRaises(frappe.UniqueValidationError) as err:
			make_id(self.customer, "EIN", "12-3456780", entity_name=" acme  llc ")
		self.assertIn("EIN (acme llc)", str(err.exception))

	def test_a_new_type_checks_the_stored_number_again(self):
		doc = make_id(self.customer, "SSN", "070-12-3456")  # a fine SSN, but 07 is no EIN prefix
		doc.reload()
		doc.id_type = "EIN"
		with self.assertRaises(frappe.ValidationError) as err:
			doc.save()
		self.assertIn("campus prefix", str(err.exception))
		doc.reload()
		doc.id_value = EIN  # a new number with the new type
		doc.id_type = "EIN"
		doc.save()
		self.assertEqual(doc.masked, "**-***8365")
		self.assertEqual(get_decrypted_password(DOCTYPE, doc.name, "id_value"), EIN_DIGITS)
		# saving the form unchanged (it sends the placeholder back) keeps the number
		doc.reload()
		doc.save()
		self.assertEqual(get_decrypted_password(DOCTYPE, doc.name, "id_value"), EIN_DIGITS)

	def test_the_version_log_never_carries_the_number(self):
		doc = make_id(self.customer, "SSN", SSN)
		doc.reload()
		doc.id_value = "123-45-6789"
		doc.save(ignore_version=False)  # Frappe skips versions under tests unless asked
		versions = frappe.get_all(
			"Version", filters={"ref_doctype": DOCTYPE, "docname": doc.name}, pluck="data"
		)
		self.assertTrue(versions)
		for data in versions:
			self.assertNoDigits(data)
			self.assertNotIn("123456789", data)
		changed = [row for data in versions for row in json.loads(data).get("changed", [])]
		self.assertIn(["masked", "***-**-4321", "***-**-6789"], changed)

	def test_deleting_the_record_deletes_the_encrypted_value(self):
		doc = make_id(self.customer, "ITIN", ITIN)
		self.assertEqual(len(auth_rows(doc.name)), 1)
		frappe.delete_doc(DOCTYPE, doc.name)
		self.assertFalse(frappe.db.exists(DOCTYPE, doc.name))
		self.assertEqual(auth_rows(doc.name), [])
		deleted = frappe.get_all(
			"Deleted Document", filters={"deleted_doctype": DOCTYPE, "deleted_name": doc.name}, pluck="data"
		)
		for data in deleted:
			self.assertNoDigits(data)

	def test_permissions(self):
		self.assertTrue(frappe.has_permission(DOCTYPE, "create", user="coe-sid-ops@example.com"))
		self.assertTrue(frappe.has_permission(DOCTYPE, "write", user="coe-sid-ops@example.com"))
		self.assertFalse(frappe.has_permission(DOCTYPE, "delete", user="coe-sid-ops@example.com"))
		self.assertTrue(frappe.has_permission(DOCTYPE, "read", user="coe-sid-viewer@example.com"))
		self.assertFalse(frappe.has_permission(DOCTYPE, "read", user="coe-sid-agent@example.com"))


class TestDisclosure(SensitiveIDTestCase):
	"""Over real HTTP requests: the number is in no output, and only a viewer can reveal it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.ssn = make_id(cls.customer, "SSN", SSN).name
		cls.ein = make_id(cls.customer, "EIN", EIN, entity_name="Acme Widgets LLC").name
		frappe.db.commit()

	def reveal_logs(self, name: str, method: str = "Reveal") -> list[dict]:
		return frappe.get_all(
			"Access Log",
			filters={"export_from": DOCTYPE, "reference_document": name, "method": method},
			fields=["user", "timestamp", "filters"],
		)

	def test_the_number_is_in_no_output(self):
		sysman = self.auth["coe-sid-sysman@example.com"]
		outputs = {}
		doc = request("GET", f"/api/resource/{DOCTYPE}/{self.ssn}", auth=sysman)
		self.assertEqual(doc.status, 200, doc.body[:300])
		self.assertIn(doc.json()["data"]["id_value"], ("*********", None))
		self.assertEqual(doc.json()["data"]["masked"], "***-**-4321")
		outputs["REST get"] = doc
		outputs["REST list"] = request(
			"GET", f'/api/resource/{DOCTYPE}?fields=["*"]&limit_page_length=0', auth=sysman
		)
		outputs["form load"] = request(
			"GET", f"/api/method/frappe.desk.form.load.getdoc?doctype={DOCTYPE}&name={self.ein}", auth=sysman
		)
		outputs["report view"] = request(
			"POST",
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": DOCTYPE,
				"fields": json.dumps([f"`tab{DOCTYPE}`.`{f}`" for f in ("name", "id_value", "masked")]),
			},
			auth=sysman,
		)
		outputs["report builder export"] = request(
			"POST",
			"/api/method/frappe.desk.reportview.export_query",
			{
				"doctype": DOCTYPE,
				"file_format_type": "CSV",
				"fields": json.dumps(
					[f"`tab{DOCTYPE}`.`{f}`" for f in ("name", "customer", "id_value", "masked")]
				),
				"filters": json.dumps([[DOCTYPE, "customer", "=", self.customer]]),
			},
			auth=sysman,
		)
		outputs["link search"] = request(
			"POST",
			"/api/method/frappe.desk.search.search_link",
			{"doctype": DOCTYPE, "txt": "4321"},
			auth=sysman,
		)
		for label, response in outputs.items():
			self.assertEqual(response.status, 200, (label, response.body[:300]))
			self.assertNoDigits(response.body, label)
		export = outputs["report builder export"].body
		self.assertIn("***-**-4321", export)

		# Data Export and Data Import's exporter, in-process
		from frappe.core.doctype.data_export.exporter import export_data
		from frappe.core.doctype.data_import.exporter import Exporter

		export_data(doctype=DOCTYPE, with_data=True, all_doctypes=True, file_type="CSV")
		self.assertIn(self.ssn, frappe.response["result"])
		self.assertNoDigits(frappe.response["result"], "Data Export")
		exporter = Exporter(
			DOCTYPE,
			export_fields={DOCTYPE: ["name", "customer", "id_type", "id_value", "masked"]},
			export_data=True,
		)
		self.assertNoDigits(
			json.dumps(exporter.get_csv_array_for_export(), default=str), "Data Import export"
		)

		# Nothing of the app's ever reached the Error Log with a number
		for error in frappe.get_all("Error Log", filters={"creation": (">=", self.started)}, pluck="error"):
			self.assertNoDigits(error or "", "Error Log")

	def test_only_a_viewer_can_reveal(self):
		path = "/api/method/crm_order_extension.api.sensitive_ids.reveal"
		for user in ("coe-sid-ops@example.com", "coe-sid-sysman@example.com", "coe-sid-agent@example.com"):
			response = request("POST", path, {"name": self.ssn}, auth=self.auth[user])
			self.assertEqual(response.status, 403, (user, response.body[:300]))
			self.assertNotIn("Traceback", response.body)
			self.assertNoDigits(response.body, user)
			self.assertTrue(
				any("Sensitive Data Viewer" in m for m in response.messages()), response.body[:300]
			)
		self.assertEqual(self.reveal_logs(self.ssn), [])
		# POST only: a GET is refused even for a viewer
		self.assertEqual(
			request("GET", path + f"?name={self.ssn}", auth=self.auth["coe-sid-viewer@example.com"]).status,
			403,
		)
		self.assertEqual(
			request(
				"GET", f"/api/resource/{DOCTYPE}/{self.ssn}", auth=self.auth["coe-sid-agent@example.com"]
			).status,
			403,
		)

		viewer = "coe-sid-viewer@example.com"
		response = request("POST", path, {"name": self.ssn}, auth=self.auth[viewer])
		self.assertEqual(response.status, 200, response.body[:300])
		message = response.json()["message"]
		frappe.db.rollback()  # a new snapshot, with the request's committed Access Log
		self.assertEqual(
			(message["value"], message["formatted"], message["customer"], message["id_type"]),
			(SSN_DIGITS, SSN, self.customer, "SSN"),
		)
		[log] = self.reveal_logs(self.ssn)
		self.assertEqual(log.user, viewer)
		self.assertTrue(log.timestamp)
		self.assertEqual(json.loads(log.filters), {"customer": self.customer, "id_type": "SSN"})
		self.assertNoDigits(log.filters)

		missing = request("POST", path, {"name": "SID-NOPE"}, auth=self.auth[viewer])
		self.assertEqual(missing.status, 404, missing.body[:300])

		report = request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Sensitive ID Reveals", "filters": json.dumps({"customer": self.customer})},
			auth=self.auth[viewer],
		)
		self.assertEqual(report.status, 200, report.body[:500])
		rows = report.json()["message"]["result"]
		self.assertEqual(
			[(r["user"], r["record"], r["customer"], r["id_type"], r["method"]) for r in rows],
			[(viewer, self.ssn, self.customer, "SSN", "Reveal")],
		)
		self.assertNoDigits(report.body)
		denied = request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Sensitive ID Reveals", "filters": "{}"},
			auth=self.auth["coe-sid-ops@example.com"],
		)
		self.assertEqual(denied.status, 403, denied.body[:300])

	def test_in_process_reveal_needs_the_role(self):
		frappe.set_user("coe-sid-sysman@example.com")
		with self.assertRaises(frappe.PermissionError):
			api.reveal(self.ein)
		frappe.set_user("coe-sid-viewer@example.com")
		self.assertEqual(api.reveal(self.ein)["formatted"], EIN)

	def test_templates_get_the_number_only_through_the_logged_helper(self):
		value = sensitive_ids.reveal_for_document(
			self.customer, "EIN", "acme widgets llc", purpose="EIN confirmation letter"
		)
		self.assertEqual(value, EIN)
		[log] = self.reveal_logs(self.ein, "Document")
		self.assertEqual(log.user, "Administrator")
		self.assertEqual(json.loads(log.filters)["purpose"], "EIN confirmation letter")

		# registered as Jinja methods (hooks `jinja`)
		rendered = frappe.render_template(
			"EIN: {{ sensitive_id(customer, 'EIN', 'Acme Widgets LLC', purpose='letter') }}",
			{"customer": self.customer},
		)
		self.assertEqual(rendered, f"EIN: {EIN}")
		rendered = frappe.render_template(
			"{{ reveal_for_document(customer, 'SSN', purpose='W-9') }}", {"customer": self.customer}
		)
		self.assertEqual(rendered, SSN)
		self.assertEqual(len(self.reveal_logs(self.ein, "Document")), 2)

		with self.assertRaises(frappe.ValidationError):
			sensitive_ids.reveal_for_document(self.customer, "EIN", "Acme Widgets LLC")  # no purpose
		with self.assertRaises(frappe.DoesNotExistError):
			sensitive_ids.reveal_for_document(self.customer, "ITIN", purpose="letter")
		frappe.set_user("coe-sid-agent@example.com")
		with self.assertRaises(frappe.PermissionError):
			sensitive_ids.reveal_for_document(self.customer, "SSN", purpose="letter")
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			frappe.render_template("{{ sensitive_id(c, 'SSN', purpose='x') }}", {"c": self.customer})

	def test_reading_the_record_is_not_enough_for_the_number(self):
		"""Issue 15: Operations reads (and writes) Sensitive ID records and Document Templates; a
		template it renders gets the number no more than its REST reads do."""
		ops = "coe-sid-ops@example.com"
		self.assertTrue(frappe.has_permission(DOCTYPE, "read", user=ops))
		frappe.set_user(ops)
		try:
			for source in (
				"{{ sensitive_id(c, 'SSN', purpose='x') }}",
				"{{ reveal_for_document(c, 'SSN', purpose='x') }}",
				"{{ sensitive_id(c, 'EIN', 'Acme Widgets LLC', purpose='x', default='') }}",
			):
				with self.assertRaises(frappe.PermissionError) as err:
					frappe.render_template(source, {"c": self.customer})
				self.assertIn("Sensitive Data Viewer", str(err.exception))
				self.assertNoDigits(str(err.exception))
			with self.assertRaises(frappe.PermissionError):
				sensitive_ids.reveal_for_document(self.customer, "SSN", purpose="x")
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(self.reveal_logs(self.ssn, "Document"), [])
		frappe.set_user("coe-sid-viewer@example.com")
		try:
			self.assertEqual(
				frappe.render_template("{{ sensitive_id(c, 'SSN', purpose='x') }}", {"c": self.customer}), SSN
			)
		finally:
			frappe.set_user("Administrator")
		[log] = self.reveal_logs(self.ssn, "Document")
		self.assertEqual(
			(log.user, json.loads(log.filters)["rendering"]), ("coe-sid-viewer@example.com", "Direct")
		)
		# With `default`, a number not on file is the default (nothing disclosed, nothing logged)
		self.assertEqual(
			sensitive_ids.reveal_for_document(self.customer, "ITIN", purpose="x", default="none on file"),
			"none on file",
		)
