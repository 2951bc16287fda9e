"""Quote to cash where the agent works (issue 18): an invoice paid by the worker reaches the open
ticket live, with its status and outstanding, through the customer's one history event."""

import unittest

from crm_order_extension.tests.e2e import context, data, shop_import
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.e2e_journeys import history
from crm_order_extension.tests.e2e.e2e_live import HISTORY_CHANGED, SocketListener


class TestPaymentReachesTheTicket(unittest.TestCase):
	def test_an_invoice_paid_by_the_worker_reaches_an_open_ticket_live(self):
		admin, agent = context.client("admin"), context.client("agent")
		customer = data.customer(admin)
		buyer = data.email("paying")
		data.contact(admin, buyer, customer)
		so = data.sales_order(admin, customer, [("COE-CAKE", 2, 5)])
		invoice = data.invoice(admin, so)
		ticket = data.helpdesk_ticket(agent, buyer, "Did you get my payment?", "Paid today")

		def billing():
			return history(agent, "HD Ticket", ticket)["fulfilment"].get(so["name"])

		unpaid = wait_until(billing, timeout=30, message="the ticket's billing")
		self.assertEqual(unpaid["invoices"][0]["name"], invoice["name"])
		self.assertGreater(unpaid["outstanding"], 0)
		key = history(agent, "HD Ticket", ticket)["history"]
		self.assertIn("1 unpaid", history(agent, "HD Ticket", ticket)["summary"]["order_summary"])
		context.harness().wait_for_jobs()

		listener = SocketListener("agent", HISTORY_CHANGED)
		try:
			listener.wait_for(lambda m: m["event"] == "connected", timeout=30)
			shop_import.enqueue_payment(invoice["name"])
			listener.wait_for(lambda m: m["event"] == HISTORY_CHANGED and m["message"].get("history") == key)
		finally:
			listener.close()
		paid = billing()
		self.assertEqual((paid["outstanding"], paid["invoices"][0]["status"]), (0, "Paid"))
		self.assertNotIn("unpaid", history(agent, "HD Ticket", ticket)["summary"]["order_summary"])
		header = history(agent, "HD Ticket", ticket)["header"]
		self.assertEqual((header["orders"], header["outstanding"], header["open_tickets"]), (1, 0, 1))
