"""Order history on the live runtime: real worker jobs after Sales Order / Work Order changes."""

import time
import unittest

from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.harness import email_of

API = "crm_order_extension.api.orders."


def history(api, doctype: str, name) -> dict:
	return api.call(API + "get_order_history", http="GET", doctype=doctype, name=name, page_length=50)


class TestOrderHistoryFollowsTheOrders(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.admin = context.client("admin")
		cls.sales = context.client("sales")
		cls.customer = data.customer(cls.admin)
		cls.buyer = data.email("buyer")
		cls.contact = data.contact(cls.admin, cls.buyer, cls.customer)
		# /crm makes the creating Sales User the lead's owner: CRM v1.81 shows it only its own leads
		cls.owner = email_of("sales", context.run_id())
		cls.lead = cls.sales.insert(
			{"doctype": "CRM Lead", "first_name": "E2E Buyer", "email": cls.buyer, "lead_owner": cls.owner}
		)["name"]
		cls.ticket = cls.admin.insert(
			{
				"doctype": "HD Ticket",
				"subject": "Where is my cake?",
				"description": "Please check my orders",
				"raised_by": cls.buyer,
				"contact": cls.contact,
			}
		)["name"]

	def lines(self, doctype: str, name) -> list[dict]:
		return history(self.admin, doctype, name)["rows"]

	def test_opening_a_record_never_syncs(self):
		lead = self.sales.insert(
			{"doctype": "CRM Lead", "first_name": "E2E Reader", "email": self.buyer, "lead_owner": self.owner}
		)["name"]
		# A new record is synced once, in the background, right after its insert.
		synced = wait_until(
			lambda: history(self.sales, "CRM Lead", lead)["synced_on"], message="the new lead's sync"
		)
		context.harness().wait_for_jobs()
		# Opening it (Desk's or /crm's loader, then the history the page shows) syncs nothing.
		self.sales.get_doc("CRM Lead", lead)
		opened = history(self.sales, "CRM Lead", lead)
		context.harness().wait_for_jobs()
		self.assertEqual(opened["synced_on"], synced)
		self.assertEqual(history(self.sales, "CRM Lead", lead)["synced_on"], synced)

	def test_order_stage_change_and_cancellation_reach_lead_and_ticket(self):
		so = data.sales_order(self.admin, self.customer, [("COE-CAKE", 2, 5)])
		for doctype, name in (("CRM Lead", self.lead), ("HD Ticket", self.ticket)):
			rows = wait_until(
				lambda d=doctype, n=name: self.lines(d, n), message=f"{doctype} {name} history after submit"
			)
			self.assertEqual([r["sales_order"] for r in rows], [so["name"]])

		work_order = data.work_order(self.admin, so, "COE-CAKE", qty=2)
		wait_until(
			lambda: [
				r for r in self.lines("CRM Lead", self.lead) if r.get("work_order") == work_order["name"]
			],
			message="work order in the history",
		)
		self.admin.update("Work Order", work_order["name"], {"custom_qa_status": "APPROVED"})
		wait_until(
			lambda: [r for r in self.lines("HD Ticket", self.ticket) if r.get("qa_status") == "APPROVED"],
			message="QA stage in the ticket's history",
		)

		# Two changes a second apart: the job of the first may run while the second commits.
		self.admin.cancel("Work Order", work_order["name"])
		time.sleep(1)
		self.admin.cancel("Sales Order", so["name"])
		for doctype, name in (("CRM Lead", self.lead), ("HD Ticket", self.ticket)):
			wait_until(
				lambda d=doctype, n=name: history(self.admin, d, n)["total"] == 0,
				message=f"cancelled order gone from {doctype} {name}",
			)
		time.sleep(3)  # and it stays gone once the queue has drained
		self.assertEqual(history(self.admin, "CRM Lead", self.lead)["total"], 0)

	def test_fetch_on_demand(self):
		result = self.sales.call(API + "fetch_orders", lead_name=self.lead)
		self.assertTrue(result["success"], result)
		self.assertEqual(result["customer"], self.customer)
