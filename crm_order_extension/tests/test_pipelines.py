import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.api import pipelines as api
from crm_order_extension.core import pipeline
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_records, delete_users
from crm_order_extension.tests.http_client import api_user, request

FULL_PATH = ["Queued", "Processing", "Review", "Approved", "Ready", "Delivered"]


def formation_order(**kwargs):
	values = {
		"doctype": "Formation Order",
		"customer": kwargs.pop("customer"),
		"entity_name": "Acme Holdings",
		"entity_type": "LLC",
		"state": "de",
		"management_type": "Member-managed",
		"members": [{"member_name": "Ann", "ownership_pct": 60}, {"member_name": "Bob", "ownership_pct": 40}],
		"add_ons": [{"add_on": "EIN", "price": 79}, {"add_on": "Registered Agent", "price": 120}],
	}
	values.update(kwargs)
	return frappe.get_doc(values).insert(ignore_permissions=True)


class TestPipelines(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.customer = fx.make_customer(f"Pipeline Client {frappe.generate_hash(length=5)}")

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.set_single_value("CRM Order Extension Settings", "formation_base_fee", 299)

	def test_new_order_validates_and_totals(self):
		order = formation_order(customer=self.customer)
		self.assertTrue(order.name.startswith("FO-"))
		self.assertEqual((order.status, order.state, order.order_total), ("Ordered", "DE", 498))
		self.assertEqual([(r.from_status, r.to_status) for r in order.status_log], [(None, "Ordered")])

	def test_bad_input_is_refused_with_clear_messages(self):
		cases = [
			(
				{
					"members": [
						{"member_name": "Ann", "ownership_pct": 60},
						{"member_name": "Bob", "ownership_pct": 30},
					]
				},
				"100",
			),
			({"state": "ZZ"}, "ZZ"),
			({"entity_type": "Corporation", "management_type": "Member-managed"}, "management"),
		]
		for values, fragment in cases:
			with self.assertRaises(frappe.ValidationError) as err:
				formation_order(customer=self.customer, **values)
			self.assertIn(fragment.lower(), str(err.exception).lower(), values)

	def test_compliance_service_intake_must_be_a_json_object(self):
		def service(intake):
			return frappe.get_doc(
				{
					"doctype": "Compliance Service",
					"customer": self.customer,
					"service_type": "CCPA Audit",
					"intake_data": intake,
				}
			).insert(ignore_permissions=True)

		self.assertTrue(service('{"employees": 12}').name.startswith("CS-"))
		for bad in ("{not json", "[1, 2]"):
			with self.assertRaises(frappe.ValidationError):
				service(bad)

	def test_full_path_through_the_api_records_every_move(self):
		order = formation_order(customer=self.customer, filing_number="DE-123456")
		for status in FULL_PATH:
			self.assertIn(status, api.next_states("Formation Order", order.name))
			result = api.advance("Formation Order", order.name, status)
			self.assertEqual(result["status"], status)
		order.reload()
		self.assertEqual([r.to_status for r in order.status_log], ["Ordered", *FULL_PATH])
		self.assertTrue(all(r.user == "Administrator" and r.changed_on for r in order.status_log))
		self.assertEqual(api.next_states("Formation Order", order.name), [])

	def test_illegal_moves_are_refused_on_every_path(self):
		order = formation_order(customer=self.customer)
		with self.assertRaises(frappe.ValidationError) as err:
			api.advance("Formation Order", order.name, "Processing")
		self.assertIn("Allowed next statuses: Queued, Refunded", str(err.exception))
		order.reload()
		order.status = "Delivered"
		with self.assertRaises(frappe.ValidationError):
			order.save()  # form save, data import and console all go through validate
		self.assertEqual(frappe.db.get_value("Formation Order", order.name, "status"), "Ordered")

	def test_retry_revision_and_refund_paths(self):
		order = formation_order(customer=self.customer)
		for status in [
			"Queued",
			"Processing",
			"Failed",
			"Queued",
			"Processing",
			"Review",
			"Revision",
			"Processing",
			"Refunded",
		]:
			api.advance("Formation Order", order.name, status)
		with self.assertRaises(frappe.ValidationError):
			api.advance("Formation Order", order.name, "Queued")

	def test_filing_number_needed_before_ready(self):
		order = formation_order(customer=self.customer)
		for status in ["Queued", "Processing", "Review", "Approved"]:
			api.advance("Formation Order", order.name, status)
		self.assertNotIn("Ready", api.next_states("Formation Order", order.name))
		with self.assertRaises(frappe.ValidationError) as err:
			api.advance("Formation Order", order.name, "Ready")
		self.assertIn("filing number", str(err.exception))

	def test_only_reviewers_approve(self):
		user = "coe-operations@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": user,
					"first_name": "Ops",
					"send_welcome_email": 0,
					"roles": [{"role": "Operations"}],
				}
			).insert(ignore_permissions=True)
		order = formation_order(customer=self.customer)
		for status in ["Queued", "Processing", "Review"]:
			api.advance("Formation Order", order.name, status)
		frappe.set_user(user)
		self.assertNotIn("Approved", api.next_states("Formation Order", order.name))
		with self.assertRaises(frappe.ValidationError) as err:
			api.advance("Formation Order", order.name, "Approved")
		self.assertIn(pipeline.REVIEWER_ROLE, str(err.exception))
		self.assertEqual(api.advance("Formation Order", order.name, "Revision")["status"], "Revision")


ALL_PAIRS = [(a, b) for a in pipeline.STATES for b in pipeline.STATES if a != b]


class TestEveryTransitionOnEveryPath(FrappeTestCase):
	"""All 90 ordered pairs of statuses, tried through a form save, the REST API and Data Import,
	by a user who holds the reviewer role, on orders that have a filing number: exactly the pairs
	core.pipeline allows succeed, and each success is logged with its user."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.customer = fx.make_customer(f"Matrix Client {frappe.generate_hash(length=5)}")
		cls.auth = api_user("coe-matrix-reviewer@example.com", ["Operations", "Order Reviewer"])
		cls.imports = []

	@classmethod
	def tearDownClass(cls):
		# The HTTP and import paths need committed orders; remove them again.
		frappe.db.rollback()
		delete_records(cls.imports)
		delete_customers([cls.customer])
		delete_users(["coe-matrix-reviewer@example.com"])
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")

	def orders_in(self, doctype: str) -> dict[tuple[str, str], str]:
		"""One order per pair, placed in the pair's first status (set directly: this is setup)."""
		orders = {}
		for current, target in ALL_PAIRS:
			if doctype == "Formation Order":
				doc = formation_order(customer=self.customer, filing_number="DE-42")
			else:
				doc = frappe.get_doc(
					{"doctype": doctype, "customer": self.customer, "service_type": "FLSA Audit"}
				).insert(ignore_permissions=True)
			doc.db_set("status", current, update_modified=False)
			orders[(current, target)] = doc.name
		frappe.db.commit()
		return orders

	def assert_outcomes(self, doctype, orders, user):
		for (current, target), name in orders.items():
			legal = target in pipeline.TRANSITIONS[current]
			doc = frappe.get_doc(doctype, name)
			self.assertEqual(doc.status, target if legal else current, (doctype, current, target))
			last = doc.status_log[-1] if doc.status_log else None
			if legal:
				self.assertEqual((last.from_status, last.to_status, last.user), (current, target, user))
			else:
				self.assertFalse(last and last.to_status == target and last.from_status == current)

	def test_form_save(self):
		for doctype in ("Formation Order", "Compliance Service"):
			orders = self.orders_in(doctype)
			for (_current, target), name in orders.items():
				doc = frappe.get_doc(doctype, name)
				doc.status = target
				try:
					doc.save()
				except frappe.ValidationError:
					pass
			self.assert_outcomes(doctype, orders, "Administrator")

	def test_rest_api(self):
		method = "/api/method/crm_order_extension.api.pipelines.advance"
		for doctype in ("Formation Order", "Compliance Service"):
			orders = self.orders_in(doctype)
			for (current, target), name in orders.items():
				response = request(
					"POST", method, {"doctype": doctype, "name": name, "to_status": target}, auth=self.auth
				)
				legal = target in pipeline.TRANSITIONS[current]
				self.assertEqual(
					response.status, 200 if legal else 417, (current, target, response.body[:300])
				)
				if not legal:
					self.assertNotIn("Traceback", response.body)
					self.assertTrue(any("Cannot move" in m for m in response.messages()), response.body[:300])
			self.assert_outcomes(doctype, orders, "coe-matrix-reviewer@example.com")

	def test_data_import(self):
		"""Desk's Data Import ("Update Existing Records"), the way an admin bulk-edits statuses."""
		for doctype in ("Formation Order", "Compliance Service"):
			orders = self.orders_in(doctype)
			rows = ["ID,Status"] + [f"{name},{target}" for (_c, target), name in orders.items()]
			file = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{frappe.scrub(doctype)}-statuses.csv",
					"content": "\n".join(rows).encode(),
					"is_private": 1,
				}
			).insert(ignore_permissions=True)
			data_import = frappe.get_doc(
				{
					"doctype": "Data Import",
					"reference_doctype": doctype,
					"import_type": "Update Existing Records",
					"import_file": file.file_url,
				}
			).insert(ignore_permissions=True)
			self.imports += [("File", file.name), ("Data Import", data_import.name)]
			frappe.db.commit()
			data_import.start_import()  # runs at once under tests, as an RQ job otherwise
			self.assertEqual(
				frappe.db.get_value("Data Import", data_import.name, "status"), "Partial Success"
			)
			self.assert_outcomes(doctype, orders, "Administrator")
