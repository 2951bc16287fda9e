"""Referral partners on the live runtime: a partner's paid order earns one percentage entry, made by
the real worker after the payment commits."""

import unittest

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until


class TestPartnerCommission(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		data.cover_fiscal_years()  # the orders are invoiced and paid today
		cls.admin = context.client("admin")
		cls.customer = data.customer(cls.admin)
		cls.partner = cls.admin.insert(
			{"doctype": "Referral Partner", "partner_name": "E2E Partner", "commission_rate": 12.5}
		)

	def ledger(self, so: dict) -> list[dict]:
		return self.admin.get_list(
			"Commission Ledger",
			filters={"sales_order": so["name"]},
			fields=["name", "party_type", "partner", "agent", "commission_amount", "status"],
		)

	def test_a_paid_partner_order_earns_one_percentage_entry(self):
		so = data.sales_order(
			self.admin,
			self.customer,
			[(fx.SERVICE_ITEM, 1, 299)],
			custom_order_type="formation",
			custom_referral_code=self.partner["referral_code"],
		)
		data.pay(self.admin, so)

		rows = wait_until(lambda: self.ledger(so), message="partner commission after payment")
		self.assertEqual(
			[(r["party_type"], r["partner"], r["agent"], r["commission_amount"], r["status"]) for r in rows],
			[("Referral Partner", self.partner["name"], None, 37.38, "Pending")],  # 12.5 % of 299
		)
		partner = self.admin.get_doc("Referral Partner", self.partner["name"])
		self.assertEqual((partner["total_referrals"], partner["total_paid"]), (1, 0))
