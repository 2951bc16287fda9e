"""Deal won -> draft Sales Order on the live runtime: the Sales User moves a deal to Won with the
call the /crm status dropdown makes (frappe.client.set_value, CRM 1.52.1 Deal.vue)."""

import unittest

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import APIError
from crm_order_extension.tests.e2e.harness import email_of

PRODUCT = "COE-CAKE"  # an ERPNext Item of the shared test data


class TestDealWonMakesADraftOrder(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.admin = context.client("admin")
		cls.sales = context.client("sales")
		# The CRM Product whose code is the Item code (made by the run when the site has none).
		if not cls.admin.get_list("CRM Product", filters={"name": PRODUCT}):
			cls.admin.insert({"doctype": "CRM Product", "product_code": PRODUCT, "product_name": PRODUCT})
		cls.organization = cls.admin.insert(
			{"doctype": "CRM Organization", "organization_name": data.unique("E2E Deal Org")}
		)["name"]

	def test_won_through_the_crm_status_call_makes_one_linked_draft_in_the_history(self):
		deal = self.sales.insert(
			{
				"doctype": "CRM Deal",
				"organization": self.organization,
				"status": "Qualification",
				"currency": fx.CURRENCY,
				# as /crm sets it: CRM v1.81 lets a Sales User at the deals it owns or is assigned
				"deal_owner": email_of("sales", context.run_id()),
				"products": [{"product_code": PRODUCT, "product_name": PRODUCT, "qty": 2, "rate": 5}],
			}
		)["name"]

		won = self.sales.call(
			"frappe.client.set_value", doctype="CRM Deal", name=deal, fieldname="status", value="Won"
		)
		self.assertEqual(won["status"], "Won")
		order_name = won.get("custom_sales_order")
		self.assertTrue(order_name, won)
		order = self.sales.get_doc("Sales Order", order_name)
		# removed at the end with the run's records (the customer's orders go with it)
		context.registry().append(("Customer", order["customer"]))
		context.registry().append(("Sales Order", order_name))

		self.assertEqual((order["docstatus"], order["status"]), (0, "Draft"))
		self.assertEqual(order["custom_crm_deal"], deal)
		self.assertEqual([(i["item_code"], i["qty"], i["rate"]) for i in order["items"]], [(PRODUCT, 2, 5)])
		self.assertEqual(self.sales.get_doc("CRM Deal", deal)["custom_sales_order"], order_name)
		linked = self.sales.get_list("Sales Order", filters={"custom_crm_deal": deal})
		self.assertEqual([o["name"] for o in linked], [order_name])

		history = self.sales.call(
			"crm_order_extension.api.orders.get_order_history",
			http="GET",
			doctype="CRM Deal",
			name=deal,
			page_length=50,
		)
		self.assertEqual(
			{(r["sales_order"], r["order_status"]) for r in history["rows"]}, {(order_name, "Draft")}
		)

		# Won again after another status: still the one order.
		for status in ("Negotiation", "Won"):
			self.sales.call(
				"frappe.client.set_value", doctype="CRM Deal", name=deal, fieldname="status", value=status
			)
		linked = self.sales.get_list("Sales Order", filters={"custom_crm_deal": deal})
		self.assertEqual([o["name"] for o in linked], [order_name])

		# The /crm action refuses while the draft exists (a 4xx with a message).
		with self.assertRaises(APIError) as err:
			self.sales.call("crm_order_extension.api.deals.recreate_sales_order", deal=deal)
		self.assertLess(err.exception.status, 500)
		self.assertTrue(any(order_name in m for m in err.exception.messages()), err.exception.body[:500])
