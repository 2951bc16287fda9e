import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.api import pipelines as api
from crm_order_extension.core import pipeline
from crm_order_extension.tests import fixtures as fx

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
