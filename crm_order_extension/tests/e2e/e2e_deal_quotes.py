"""A submitted quotation moves its deal once (issue 18), on the live runtime: the admin switches the
rule on in the settings, the quotation is submitted over HTTP as Desk does, the real worker applies
the rule after commit, and the deal shows the new status with one entry in CRM's status log."""

import time
import unittest

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.harness import email_of

SETTINGS = "CRM Order Extension Settings"
MOVE = "CRM Deal Status Move"


class TestQuotationMovesTheDeal(unittest.TestCase):
	def setUp(self):
		# The admin switches the rule on (the harness puts the settings back as it found them).
		self.admin = context.client("admin")
		harness = context.harness()
		harness.set_single(SETTINGS, "quotation_deal_status", "Proposal/Quotation")
		harness.set_single(SETTINGS, "quotation_status_rule", 1)

	def test_a_submitted_quotation_moves_the_deal_once(self):
		admin, sales = self.admin, context.client("sales")
		customer = data.customer(admin)
		organization = admin.insert(
			{"doctype": "CRM Organization", "organization_name": data.unique("E2E Quote Org")}
		)["name"]
		deal = sales.insert(
			{
				"doctype": "CRM Deal",
				"organization": organization,
				"status": "Qualification",
				"currency": fx.CURRENCY,
				"deal_owner": email_of("sales", context.run_id()),
				"custom_erpnext_customer": customer,
			}
		)["name"]
		today = str(data.today())
		quotation = admin.insert(fx.quotation_values(customer, today, today, deal))["name"]

		admin.submit("Quotation", quotation)

		moved = wait_until(
			lambda: sales.get_doc("CRM Deal", deal)["status"] == "Proposal/Quotation" or None,
			timeout=60,
			message="the deal's status after the quotation",
		)
		self.assertTrue(moved)
		context.harness().wait_for_jobs()
		time.sleep(1)  # nothing else may follow
		doc = sales.get_doc("CRM Deal", deal)
		self.assertEqual(doc["status"], "Proposal/Quotation")
		moves = [
			row
			for row in doc.get("status_change_log") or []
			if row.get("to") == "Proposal/Quotation" and row.get("from") == "Qualification"
		]
		self.assertEqual(len(moves), 1, doc.get("status_change_log"))
		self.assertEqual(len(admin.get_list(MOVE, filters={"deal": deal})), 1)
		# The quotation shows on the deal.
		quotations = sales.call("crm_order_extension.api.deals.get_deal_quotations", deal=deal)
		self.assertIn(quotation, [q["name"] for q in quotations["quotations"]])
