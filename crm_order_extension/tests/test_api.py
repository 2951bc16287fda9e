import frappe

from crm_order_extension.api import orders as api
from crm_order_extension.exceptions import InvalidArgumentError
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.http_client import api_user, request
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase

METHOD = "/api/method/crm_order_extension.api.orders."


class TestOrderHistoryAPI(OrderHistoryTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		customer = fx.make_customer(f"API Baker {frappe.generate_hash(length=6)}")
		email = f"{frappe.generate_hash(length=8)}@example.com"
		contact = fx.make_contact("Api", email, customer)
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		cls.lead = fx.make_lead("Api", email=email).name
		cls.deal = fx.make_deal(contacts=[{"contact": contact, "is_primary": 1}]).name
		cls.ticket = fx.make_ticket(email, contact=contact).name
		cls.contact = contact
		# A user with no CRM or Helpdesk role. CRM lets every user read leads ("All" role), so a
		# User Permission narrows this one to another lead: the permission check must honour it.
		cls.outsider = api_user("coe-outsider@example.com", ["Blogger"])
		if not frappe.db.exists("User Permission", {"user": "coe-outsider@example.com", "allow": "CRM Lead"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": "coe-outsider@example.com",
					"allow": "CRM Lead",
					"for_value": fx.make_lead("Elsewhere").name,
				}
			).insert(ignore_permissions=True)
		cls.manager = api_user("coe-sales-manager@example.com", ["Sales Manager", "Agent"])
		frappe.db.commit()

	def test_guest_gets_403_and_nothing_else(self):
		for path, data in (
			("fetch_orders", {"lead_name": self.lead}),
			("fetch_deal_orders", {"deal_name": self.deal}),
			("hd_ticket_fetch_orders", {"contact": self.contact, "ticket_name": self.ticket}),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead}),
		):
			response = request("POST", METHOD + path, data)
			self.assertEqual(response.status, 403, path)
			self.assertNotIn("message", response.json(), path)

	def test_user_without_read_permission_gets_403(self):
		for path, data in (
			("fetch_orders", {"lead_name": self.lead}),
			("fetch_deal_orders", {"deal_name": self.deal}),
			("hd_ticket_fetch_orders", {"contact": self.contact, "ticket_name": self.ticket}),
			("get_order_history", {"doctype": "HD Ticket", "name": self.ticket}),
		):
			response = request("POST", METHOD + path, data, auth=self.outsider)
			self.assertEqual(response.status, 403, path)
			self.assertNotIn("message", response.json(), path)
			self.assertNotIn("Traceback", response.body)

	def test_permitted_user_syncs_over_http(self):
		response = request("POST", METHOD + "fetch_orders", {"lead_name": self.lead}, auth=self.manager)
		self.assertEqual(response.status, 200, response.body)
		self.assertEqual(response.json()["message"]["message"], "Synced 1 orders")
		response = request(
			"GET", METHOD + "get_order_history?doctype=CRM%20Lead&name=" + self.lead, auth=self.manager
		)
		self.assertEqual(response.status, 200, response.body)
		self.assertEqual(response.json()["message"]["total"], 1)

	def test_bad_input_gets_4xx_with_a_message(self):
		cases = [
			("fetch_orders", {}, 400),
			("fetch_orders", {"lead_name": "  "}, 400),
			("fetch_orders", {"lead_name": "CRM-LEAD-NOPE-0000"}, 404),
			("fetch_deal_orders", {}, 400),
			("hd_ticket_fetch_orders", {"ticket_name": self.ticket}, 400),
			("hd_ticket_fetch_orders", {"contact": self.contact}, 400),
			("get_order_history", {"doctype": "ToDo", "name": "x"}, 400),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead, "page_length": 0}, 400),
		]
		for path, data, status in cases:
			response = request("POST", METHOD + path, data, auth=self.manager)
			self.assertEqual(response.status, status, (path, data, response.body))
			self.assertTrue(response.messages(), (path, data))
			self.assertNotIn("Traceback", response.body, (path, data))
		response = request(
			"POST",
			METHOD + "get_order_history",
			{"doctype": "CRM Lead", "name": self.lead, "start": "x"},
			auth=self.manager,
		)
		self.assertGreaterEqual(response.status, 400)
		self.assertLess(response.status, 500, response.body)

	def test_bad_input_in_process(self):
		with self.assertRaises(InvalidArgumentError):
			api.fetch_orders(None)
		with self.assertRaises(frappe.DoesNotExistError):
			api.fetch_deal_orders("no-such-deal")
		with self.assertRaises(InvalidArgumentError):
			api.get_order_history("CRM Lead", self.lead, start=-1)
