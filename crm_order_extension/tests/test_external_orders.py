"""One Sales Order per shop order among orders that are not cancelled (issue 9, item 9); only that
refusal turns tracebacks off (issue 15, item 6)."""

import pickle
import threading

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers


class TestExternalOrderId(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Committed: a test imports from a second connection, as a concurrent import would.
		cls.customer = fx.make_customer(f"Shop Buyer {frappe.generate_hash(length=6)}")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		delete_customers([cls.customer])
		frappe.db.commit()
		super().tearDownClass()

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

	def test_a_saved_order_with_a_shop_id_leaves_tracebacks_on(self):
		"""The flag is set by the duplicate refusal only: a request or job that saves an order with a
		shop ID and later fails for another reason still reports that error's traceback."""
		frappe.flags.disable_traceback = None
		order = fx.make_service_order(self.customer, custom_external_order_id=self.shop_id(), submit=False)
		self.assertFalse(frappe.flags.disable_traceback)
		order.submit()
		self.assertFalse(frappe.flags.disable_traceback)
		pickle.loads(pickle.dumps(order))  # the stand-in keeps the document picklable (cache, jobs)

	def test_the_duplicate_refusal_turns_tracebacks_off(self):
		external_id = self.shop_id()
		fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
		frappe.flags.disable_traceback = None
		with self.assertRaises(frappe.UniqueValidationError):
			fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
		self.assertTrue(frappe.flags.disable_traceback)
		frappe.flags.disable_traceback = None

	def test_a_duplicate_the_check_missed_gets_the_message_without_a_traceback(self):
		"""Another connection commits the shop order after this transaction's snapshot was taken: the
		check cannot see it, the unique column refuses the write, and the answer is the message."""
		external_id = self.shop_id()
		frappe.db.sql("select name from `tabSales Order` limit 1")  # this transaction's snapshot
		made = {}

		def other_import():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				frappe.flags.in_test = True  # jobs run inline, as in the test's own connection
				made["name"] = fx.make_service_order(
					self.customer, custom_external_order_id=external_id, submit=False
				).name
				frappe.db.commit()
			finally:
				frappe.destroy()

		site, sites_path = frappe.local.site, frappe.local.sites_path
		thread = threading.Thread(target=other_import)
		thread.start()
		thread.join(120)
		try:
			self.assertTrue(made.get("name"))
			self.assertFalse(frappe.db.exists("Sales Order", made["name"]))  # not in this snapshot
			frappe.flags.disable_traceback = None
			with self.assertRaises(frappe.UniqueValidationError) as err:
				fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
			self.assertIn(f"is already imported as Sales Order {made['name']}", str(err.exception))
			self.assertTrue(frappe.flags.disable_traceback)
		finally:
			frappe.flags.disable_traceback = None  # the committed order goes with the customer
