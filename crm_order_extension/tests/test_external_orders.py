"""One Sales Order per shop order among orders that are not cancelled (issue 9, item 9)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.tests import fixtures as fx


class TestExternalOrderId(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.customer = fx.make_customer(f"Shop Buyer {frappe.generate_hash(length=6)}")

	def shop_id(self) -> str:
		return f"SHOP-{frappe.generate_hash(length=8)}"

	def test_cancelled_order_frees_its_id_for_the_amendment(self):
		external_id = self.shop_id()
		first = fx.make_service_order(self.customer, custom_external_order_id=external_id)
		first.reload()
		first.cancel()
		self.assertEqual(
			frappe.db.get_value("Sales Order", first.name, "custom_external_order_id"), external_id
		)
		amended = frappe.copy_doc(first)
		amended.amended_from = first.name
		amended.docstatus = 0
		amended.custom_external_order_id = external_id  # no_copy: the importer sets it again
		amended.insert(ignore_permissions=True)
		amended.submit()
		self.assertEqual(amended.custom_active_external_order_id, external_id)

	def test_an_active_duplicate_is_refused_with_a_message(self):
		external_id = self.shop_id()
		first = fx.make_service_order(self.customer, custom_external_order_id=external_id)
		with self.assertRaises(frappe.UniqueValidationError) as err:
			fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
		self.assertIn(first.name, str(err.exception))

	def test_the_database_refuses_a_duplicate_the_check_did_not_see(self):
		"""Two imports at once both pass the friendly check; the unique column stops the second."""
		external_id = self.shop_id()
		fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
		second = fx.make_service_order(self.customer, submit=False)
		frappe.db.savepoint("duplicate")
		try:
			second.db_set("custom_active_external_order_id", external_id)
		except Exception as e:
			self.assertTrue(frappe.db.is_unique_key_violation(e), repr(e))
		else:
			self.fail("the database accepted a second active order for one shop order")
		finally:
			frappe.db.rollback(save_point="duplicate")
