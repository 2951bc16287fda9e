"""Agent actions from a ticket on the live runtime (issue 18): an agent sends the order status over
HTTP, Helpdesk's own reply queues the customer's email and it carries the tracking link; a return of
a delivered line is started by a Sales User who is a Helpdesk agent, and refused, with the missing
permission named, for a plain agent."""

import unittest

import frappe

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import APIError, wait_until
from crm_order_extension.tests.e2e.e2e_ticket_sla import email_text
from crm_order_extension.tests.e2e.harness import email_of

API = "crm_order_extension.api.ticket_actions."
SO_API = "erpnext.selling.doctype.sales_order.sales_order."
ITEM = "COE-BREAD"
RETURNS_USER = "returns"  # a Sales User who is also a Helpdesk agent


class TestTicketActionsOnTheRuntime(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		harness = context.harness()
		data.cover_fiscal_years()
		harness.make_user(RETURNS_USER, ["Agent", "Sales User"])
		cls.admin = context.client("admin")
		cls.agent = context.client("agent")
		cls.returns = context.client(RETURNS_USER)
		cls.tracking = f"https://tracking.example.com/track?awb=E2E{context.run_id()}"
		cls.customer = data.customer(cls.admin)
		cls.buyer = data.email("buyer")
		contact = data.contact(cls.admin, cls.buyer, cls.customer)
		receipt = cls.admin.insert(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": fx.COMPANY,
				"items": [
					{
						"item_code": ITEM,
						"qty": 5,
						"basic_rate": 1,
						"t_warehouse": f"Stores - {fx.COMPANY_ABBR}",
					}
				],
			}
		)
		cls.admin.submit("Stock Entry", receipt["name"])
		cls.order = data.sales_order(cls.admin, cls.customer, [(ITEM, 2, 30)])
		note = cls.admin.call(SO_API + "make_delivery_note", source_name=cls.order["name"])
		cls.note = cls.admin.submit("Delivery Note", cls.admin.insert(note)["name"])
		cls.ship(cls.note)
		cls.ticket = str(
			cls.admin.insert(
				{
					"doctype": "HD Ticket",
					"subject": "Where is my bread?",
					"description": "Please tell me when my order ships",
					"raised_by": cls.buyer,
					"contact": contact,
				}
			)["name"]
		)
		# the new ticket's history is filled in the background
		wait_until(
			lambda: cls.admin.call(
				"crm_order_extension.api.orders.get_order_history",
				http="GET",
				doctype="HD Ticket",
				name=cls.ticket,
			)["rows"],
			message="the ticket's order history",
		)

	@classmethod
	def tearDownClass(cls):
		from crm_order_extension.tests.cleanup import delete_users

		harness = context.harness()
		harness.wait_for_jobs()
		harness.refresh()
		delete_users([email_of(RETURNS_USER, context.run_id())])
		frappe.db.delete("HD Ticket Activity", {"ticket": cls.ticket})
		harness.commit()

	@classmethod
	def ship(cls, note: dict):
		"""The carrier's tracking on a Shipment of the delivery, made on the site (setup: a Shipment
		over REST needs the addresses and contacts only a carrier integration uses)."""
		harness = context.harness()
		harness.refresh()
		shipment = frappe.get_doc(
			{
				"doctype": "Shipment",
				"pickup_from_type": "Company",
				"pickup_company": note["company"],
				"delivery_to_type": "Customer",
				"delivery_customer": note["customer"],
				"value_of_goods": note["grand_total"] or 1,
				"description_of_content": "Bread",
				"pickup_date": str(data.today()),
				"shipment_parcel": [{"length": 10, "width": 10, "height": 10, "weight": 1, "count": 1}],
				"shipment_delivery_note": [{"delivery_note": note["name"]}],
				"carrier": "UPS",
				"awb_number": f"E2E{context.run_id()}",
				"tracking_url": cls.tracking,
			}
		)
		shipment.flags.ignore_mandatory = True
		shipment.insert(ignore_permissions=True)
		harness.commit()
		context.registry().append(("Shipment", shipment.name))

	def test_agent_sends_order_status_and_the_customers_email_carries_the_tracking_link(self):
		result = self.agent.call_json(
			API + "send_order_status", ticket=self.ticket, orders=[self.order["name"]]
		)
		self.assertEqual(result["orders"], [self.order["name"]])
		communication = self.admin.get_doc("Communication", result["communication"])
		self.assertEqual(
			(communication["reference_name"], communication["sent_or_received"]), (self.ticket, "Sent")
		)
		queued = wait_until(
			lambda: [
				row
				for row in self.admin.get_list(
					"Email Queue",
					filters=[["Email Queue Recipient", "recipient", "=", self.buyer]],
					fields=["name", "message", "status", "reference_name"],
				)
				if self.tracking in email_text(row["message"])
			],
			message="the customer's queued email with the tracking link",
		)
		self.assertEqual(len(queued), 1)
		self.assertEqual(str(queued[0]["reference_name"]), self.ticket)
		sink = context.harness().smtp
		if sink and queued[0]["status"] == "Not Sent":
			self.admin.call("frappe.email.doctype.email_queue.email_queue.send_now", name=queued[0]["name"])
			self.assertTrue([m for m in sink.messages if self.buyer.encode() in m])
		activity = self.admin.get_list(
			"HD Ticket Activity", filters={"ticket": self.ticket}, fields=["action"], limit=50
		)
		self.assertTrue(any(self.order["name"] in a["action"] for a in activity), activity)

	def test_return_by_a_sales_user_and_refused_for_a_plain_agent(self):
		[line] = self.returns.call(API + "get_return_lines", http="GET", ticket=self.ticket)["lines"]
		self.assertEqual((line["doctype"], line["against"]), ("Delivery Note", self.note["name"]))
		pick = [{"row": line["row"], "qty": 1}]

		with self.assertRaises(APIError) as refused:
			self.agent.call_json(API + "start_return", ticket=self.ticket, lines=pick)
		self.assertEqual(refused.exception.status, 403)
		self.assertEqual(len(refused.exception.messages()), 1)
		self.assertIn("permission to create a Delivery Note", refused.exception.messages()[0])

		result = self.returns.call_json(API + "start_return", ticket=self.ticket, lines=pick)
		[made] = result["returns"]
		self.returns.registry.append(("Delivery Note", made["name"]))
		doc = self.admin.get_doc("Delivery Note", made["name"])
		self.assertEqual(
			(doc["docstatus"], doc["is_return"], doc["return_against"], doc["custom_hd_ticket"]),
			(0, 1, self.note["name"], self.ticket),
		)
		self.assertEqual([(i["item_code"], i["qty"]) for i in doc["items"]], [(ITEM, -1)])

		with self.assertRaises(APIError) as bad:
			self.returns.call_json(API + "start_return", ticket=self.ticket, lines=[{"row": line["row"]}])
		self.assertEqual(bad.exception.status, 400)
