"""Service orders on the live runtime: payment -> pipeline Queued -> one commission, also when two
invoices are paid at the same moment; shop order IDs under concurrent imports; agent isolation."""

import threading
import unittest

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import APIError, wait_until
from crm_order_extension.tests.e2e.harness import email_of

# A paid order is Queued; the real worker then generates its documents (Processing -> Review).
PAID_STATUSES = (["Queued"], ["Processing"], ["Review"])


def at_once(*calls):
	"""Run the calls in threads released together; returns their results or exceptions."""
	barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

	def run(i, fn):
		barrier.wait(timeout=30)
		try:
			results[i] = fn()
		except Exception as e:
			results[i] = e

	threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(180)
	return results


_shared: dict = {}


def setUpModule():
	data.cover_fiscal_years()  # the orders are invoiced and paid today
	admin = context.client("admin")
	_shared["customer"] = data.customer(admin)
	# The Sales Agent user's own agent record, and another agent it must not see.
	_shared["agent"] = admin.insert(
		{
			"doctype": "Sales Agent",
			"agent_name": "E2E Agent",
			"user": email_of("sales_agent", context.run_id()),
		}
	)
	_shared["other_agent"] = admin.insert({"doctype": "Sales Agent", "agent_name": "E2E Other Agent"})


class PipelineCase(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.admin = context.client("admin")
		cls.customer = _shared["customer"]
		cls.agent = _shared["agent"]
		cls.other_agent = _shared["other_agent"]

	def service_order(self, agent: dict, lines=((fx.SERVICE_ITEM, 1, 299),), **fields) -> dict:
		so = data.sales_order(
			self.admin,
			self.customer,
			list(lines),
			custom_order_type="formation",
			custom_referral_code=agent["referral_code"],
			**fields,
		)
		self.admin.insert(
			{
				"doctype": "Formation Order",
				"customer": self.customer,
				"sales_order": so["name"],
				"entity_name": "E2E Holdings",
				"entity_type": "LLC",
				"state": "DE",
				"management_type": "Member-managed",
				"members": [{"member_name": "Ann", "ownership_pct": 100}],
			}
		)
		return so

	def invoice(self, so: dict, only_line: int | None = None) -> dict:
		return data.invoice(self.admin, so, only_line)

	def payment(self, invoice: dict) -> dict:
		return data.payment(self.admin, invoice)

	def state(self, so: dict) -> tuple[list[str], list[dict]]:
		# The ledger first: the job commits it together with the pipeline order's move, so once
		# the entry is seen, the order read after it is past Ordered.
		ledger = self.admin.get_list(
			"Commission Ledger",
			filters={"sales_order": so["name"]},
			fields=["name", "agent", "commission_amount"],
		)
		orders = self.admin.get_list(
			"Formation Order", filters={"sales_order": so["name"]}, fields=["status"]
		)
		return [o["status"] for o in orders], ledger


class TestPaidOrders(PipelineCase):
	def test_payment_queues_the_order_and_earns_one_commission(self):
		so = self.service_order(self.agent)
		payment = self.payment(self.invoice(so))
		self.admin.submit("Payment Entry", payment["name"])
		statuses, ledger = wait_until(
			lambda: (s := self.state(so))[1] and s, message="commission after payment"
		)
		self.assertIn(statuses, PAID_STATUSES)
		self.assertEqual([(e["agent"], e["commission_amount"]) for e in ledger], [(self.agent["name"], 50)])

	def test_two_invoices_paid_at_the_same_moment(self):
		so = self.service_order(self.other_agent, lines=((fx.SERVICE_ITEM, 1, 299), (fx.SERVICE_ITEM, 1, 79)))
		payments = [self.payment(self.invoice(so, line)) for line in (0, 1)]
		results = at_once(*[lambda p=p: self.admin.submit("Payment Entry", p["name"]) for p in payments])
		self.assertFalse([r for r in results if isinstance(r, Exception)], results)
		statuses, ledger = wait_until(
			lambda: (s := self.state(so))[1] and s, message="commission after both payments"
		)
		self.assertIn(statuses, PAID_STATUSES)
		self.assertEqual(len(ledger), 1, ledger)


class TestShopOrderIds(PipelineCase):
	def test_concurrent_imports_of_one_shop_order_make_one_sales_order(self):
		shop_id = data.unique("SHOP").replace(" ", "-")
		results = at_once(
			*[
				lambda: data.sales_order(
					self.admin, self.customer, [("COE-CAKE", 1, 5)], custom_external_order_id=shop_id
				)
				for _ in range(2)
			]
		)
		made = [r for r in results if isinstance(r, dict)]
		refused = [r for r in results if isinstance(r, APIError)]
		self.assertEqual((len(made), len(refused)), (1, 1), results)
		self.assertLess(refused[0].status, 500, refused[0].body[:300])
		self.assertNotIn("Traceback", refused[0].body)

		# Cancelled and amended, the order carries its shop order ID again.
		self.admin.cancel("Sales Order", made[0]["name"])
		amended = data.sales_order(
			self.admin,
			self.customer,
			[("COE-CAKE", 1, 5)],
			custom_external_order_id=shop_id,
			amended_from=made[0]["name"],
		)
		self.assertEqual(amended["custom_external_order_id"], shop_id)
		self.assertEqual(amended["docstatus"], 1)


class TestAgentIsolation(PipelineCase):
	def test_an_agent_reads_only_its_own_commissions(self):
		mine = self.service_order(self.agent)
		theirs = self.service_order(self.other_agent)
		for so in (mine, theirs):
			self.admin.submit("Payment Entry", self.payment(self.invoice(so))["name"])
		wait_until(lambda: self.state(mine)[1] and self.state(theirs)[1], message="both commissions")
		agent_api = context.client("sales_agent")
		rows = agent_api.get_list("Commission Ledger", fields=["name", "agent"])
		self.assertTrue(rows)
		self.assertEqual({r["agent"] for r in rows}, {self.agent["name"]})
		[other_row] = self.state(theirs)[1]
		denied = agent_api.request("GET", f"/api/resource/Commission Ledger/{other_row['name']}")
		self.assertEqual(denied.status_code, 403)
