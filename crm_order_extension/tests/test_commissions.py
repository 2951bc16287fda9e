import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension.api import pipelines as pipeline_api
from crm_order_extension.pipelines import commission as ledger
from crm_order_extension.pipelines import payment
from crm_order_extension.tests import fiscal_years
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_records, delete_users
from crm_order_extension.tests.concurrency import run_concurrently
from crm_order_extension.tests.http_client import api_user, request
from crm_order_extension.tests.test_pipelines import formation_order

SETTINGS = "CRM Order Extension Settings"


def entries(sales_order: str) -> list[dict]:
	return frappe.get_all(
		"Commission Ledger",
		filters={"sales_order": sales_order},
		fields=[
			"name",
			"agent",
			"status",
			"commission_amount",
			"service_type",
			"reference_name",
			"refund_flagged",
		],
	)


def reset_rules(extra: list[dict] | None = None):
	settings = frappe.get_single(SETTINGS)
	settings.commission_rules = []
	for rule in [
		{"service_type": "Formation", "tier": "Standard", "amount": 50},
		{"service_type": "CRTC", "tier": "Standard", "amount": 100},
		{"service_type": "Bundle", "tier": "Standard", "amount": 300},
		*(extra or []),
	]:
		settings.append("commission_rules", rule)
	settings.refund_window_days = 30
	settings.save()


# The tests post today and, under freeze_time, up to a day past the refund window (30 days).
POSTING_DAYS = 31


class CommissionTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fiscal_years.cover(cls, nowdate(), add_days(nowdate(), POSTING_DAYS))
		fx.ensure_master_data()
		fx.ensure_service_item()
		cls.customer = fx.make_customer(f"Formation Client {frappe.generate_hash(length=5)}")
		cls.agent = fx.make_agent("Alice Referrer")
		cls.premium = fx.make_agent("Paula Premium", tier="Premium")

	@classmethod
	def tearDownClass(cls):
		"""Concurrency and HTTP tests commit: remove the class's orders, agents and users again."""
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_customers([cls.customer])
		delete_records(
			[
				("Sales Agent", agent.name)
				for agent in cls.agents()
				if frappe.db.exists("Sales Agent", agent.name)
			]
		)
		delete_users(getattr(cls, "USERS", ()))
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def agents(cls):
		return [
			a
			for a in (cls.agent, cls.premium, getattr(cls, "agent_a", None), getattr(cls, "agent_b", None))
			if a
		]

	def setUp(self):
		frappe.set_user("Administrator")
		reset_rules([{"service_type": "Formation", "tier": "Premium", "amount": 75}])

	def paid_order(self, order_type="formation", agent=None, with_pipeline=True):
		agent = agent or self.agent
		so = fx.make_service_order(self.customer, order_type, agent.referral_code)
		order = formation_order(customer=self.customer, sales_order=so.name) if with_pipeline else None
		invoice = fx.invoice_order(so)
		fx.pay_invoice(invoice)
		return so, order, invoice


class TestCommissionLedger(CommissionTestCase):
	def test_payment_queues_the_order_and_earns_one_commission(self):
		so = fx.make_service_order(self.customer, "formation", self.agent.referral_code)
		order = formation_order(customer=self.customer, sales_order=so.name)
		self.assertEqual(order.referral_code, self.agent.referral_code)  # fetched from the order
		invoice = fx.invoice_order(so)
		order.reload()
		self.assertEqual(order.status, "Ordered")  # invoiced is not paid
		self.assertEqual(entries(so.name), [])

		fx.pay_invoice(invoice)
		order.reload()
		self.assertEqual(order.status, "Queued")
		self.assertEqual([(r.from_status, r.to_status) for r in order.status_log][-1], ("Ordered", "Queued"))
		[entry] = entries(so.name)
		self.assertEqual(
			(entry.agent, entry.status, entry.commission_amount, entry.service_type, entry.reference_name),
			(self.agent.name, "Pending", 50, "Formation", order.name),
		)
		doc = frappe.get_doc("Commission Ledger", entry.name)
		self.assertEqual((doc.earned_on, doc.eligible_on), (getdate(), getdate(add_days(nowdate(), 30))))

		# Paying events again, re-running the handlers: still one entry.
		invoice.reload()
		payment.on_sales_invoice_change(invoice)
		payment.handle_paid_order(so.name, invoice.name)
		self.assertEqual(ledger.create_for_order(so.name), entry.name)
		self.assertEqual(len(entries(so.name)), 1)

	def test_part_payment_changes_nothing(self):
		so = fx.make_service_order(self.customer, "formation", self.agent.referral_code)
		order = formation_order(customer=self.customer, sales_order=so.name)
		fx.pay_invoice(fx.invoice_order(so), amount=100)
		order.reload()
		self.assertEqual(order.status, "Ordered")
		self.assertEqual(entries(so.name), [])

	def test_order_linked_after_payment_is_queued_at_once(self):
		so, _order, _invoice = self.paid_order(with_pipeline=False)
		order = formation_order(customer=self.customer, sales_order=so.name)
		self.assertEqual(order.status, "Queued")
		self.assertEqual(
			[(r.from_status, r.to_status) for r in order.status_log],
			[(None, "Ordered"), ("Ordered", "Queued")],
		)
		# The entry was made at payment time, from the Sales Order's own code.
		self.assertEqual(len(entries(so.name)), 1)

	def test_amounts_follow_the_rule_table_and_tier(self):
		cases = [
			("formation", self.agent, 50),
			("formation", self.premium, 75),  # the Premium rule
			("crtc", self.premium, 100),  # no Premium rule: the Standard one
			("bundle", self.agent, 300),
		]
		for order_type, agent, amount in cases:
			so, _order, _invoice = self.paid_order(order_type, agent, with_pipeline=False)
			[entry] = entries(so.name)
			self.assertEqual(entry.commission_amount, amount, (order_type, agent.commission_tier))

	def test_no_commission_without_a_known_code_or_a_rule(self):
		unknown = fx.make_service_order(self.customer, "formation", "REF-ZZZZZ")
		fx.pay_invoice(fx.invoice_order(unknown))
		compliance, _order, _invoice = self.paid_order("compliance", with_pipeline=False)
		self.assertEqual(entries(unknown.name), [])
		self.assertEqual(entries(compliance.name), [])

	def test_concurrent_handlers_create_exactly_one_entry(self):
		so = fx.make_service_order(self.customer, "formation", self.agent.referral_code)
		invoice = fx.invoice_order(so)
		fx.pay_invoice(invoice)
		frappe.db.delete("Commission Ledger", {"sales_order": so.name})  # as if the hook had not run
		frappe.db.commit()
		errors = run_concurrently(lambda: ledger.create_for_order(so.name, invoice.name), workers=3)
		self.assertEqual(errors, [])
		self.assertEqual(len(entries(so.name)), 1)

	def test_credit_note_before_payout_reverses(self):
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		so, _order, invoice = self.paid_order()
		credit_note = make_sales_return(invoice.name)
		credit_note.insert(ignore_permissions=True)
		credit_note.submit()
		[entry] = entries(so.name)
		self.assertEqual((entry.status, entry.refund_flagged), ("Reversed", 0))
		self.assertEqual(frappe.db.get_value("Commission Ledger", entry.name, "reversed_on"), getdate())

	def test_refund_after_payout_is_flagged(self):
		so, order, _invoice = self.paid_order()
		[entry] = entries(so.name)
		with self.freeze_time(f"{add_days(nowdate(), 31)} 10:00:00.123456"):
			self.assertGreaterEqual(ledger.daily_eligibility(), 1)
			doc = frappe.get_doc("Commission Ledger", entry.name)
			doc.status = "Paid"
			doc.paid_date = nowdate()
			doc.save()
			pipeline_api.advance("Formation Order", order.name, "Refunded")
		[entry] = entries(so.name)
		self.assertEqual((entry.status, entry.refund_flagged), ("Paid", 1))

	def test_eligible_after_the_refund_window_and_paid_needs_a_date(self):
		so, _order, _invoice = self.paid_order()
		[entry] = entries(so.name)
		doc = frappe.get_doc("Commission Ledger", entry.name)
		doc.status = "Eligible"
		with self.assertRaises(frappe.ValidationError) as err:
			doc.save()
		self.assertIn("refund window", str(err.exception))
		with self.freeze_time(f"{add_days(nowdate(), 29)} 10:00:00.123456"):
			ledger.daily_eligibility()
		self.assertEqual(frappe.db.get_value("Commission Ledger", entry.name, "status"), "Pending")
		with self.freeze_time(f"{add_days(nowdate(), 30)} 10:00:00.123456"):
			ledger.daily_eligibility()
		self.assertEqual(frappe.db.get_value("Commission Ledger", entry.name, "status"), "Eligible")
		doc = frappe.get_doc("Commission Ledger", entry.name)
		doc.status = "Paid"
		with self.assertRaises(frappe.ValidationError) as err:
			doc.save()
		self.assertIn("paid date", str(err.exception))
		doc.reload()  # as the form does after a refused save
		doc.status = "Paid"
		doc.paid_date = nowdate()
		doc.save()
		doc.status = "Pending"
		with self.assertRaises(frappe.ValidationError):
			doc.save()

	def test_mark_paid_pays_eligible_entries_only(self):
		from crm_order_extension.api import commissions as api
		from crm_order_extension.exceptions import InvalidArgumentError

		so, _order, _invoice = self.paid_order()
		[entry] = entries(so.name)
		with self.assertRaises(frappe.ValidationError) as err:
			api.mark_paid([entry.name], nowdate())
		self.assertIn("only Eligible", str(err.exception))
		for names, paid_date in (
			([], nowdate()),
			([entry.name], None),
			([entry.name], "not-a-date"),
			("[1]", nowdate()),
		):
			with self.assertRaises(InvalidArgumentError):
				api.mark_paid(names, paid_date)
		with self.freeze_time(f"{add_days(nowdate(), 30)} 10:00:00.123456"):
			ledger.daily_eligibility()
			self.assertEqual(api.mark_paid(f'["{entry.name}"]', nowdate())["paid"], 1)
			self.assertEqual(
				frappe.db.get_value("Commission Ledger", entry.name, ["status", "paid_date"]),
				("Paid", getdate()),
			)

	def test_no_eligibility_while_the_payment_is_cancelled(self):
		so = fx.make_service_order(self.customer, "formation", self.agent.referral_code)
		invoice = fx.invoice_order(so)
		fx.pay_invoice(invoice).cancel()
		[entry] = entries(so.name)
		with self.freeze_time(f"{add_days(nowdate(), 31)} 10:00:00.123456"):
			ledger.daily_eligibility()
			self.assertEqual(frappe.db.get_value("Commission Ledger", entry.name, "status"), "Pending")
			fx.pay_invoice(frappe.get_doc("Sales Invoice", invoice.name))  # paid again
			ledger.daily_eligibility()
		self.assertEqual(frappe.db.get_value("Commission Ledger", entry.name, "status"), "Eligible")
		self.assertEqual(len(entries(so.name)), 1)

	def test_cancelled_order_reverses_its_commission(self):
		so = fx.make_service_order(self.customer, "bundle", self.agent.referral_code)
		invoice = fx.invoice_order(so)
		payment_entry = fx.pay_invoice(invoice)
		payment_entry.cancel()
		frappe.get_doc("Sales Invoice", invoice.name).cancel()
		[entry] = entries(so.name)
		self.assertEqual(entry.status, "Reversed")


class TestServiceOrderFields(CommissionTestCase):
	def test_external_order_id_is_unique_when_set(self):
		fx.make_service_order(self.customer, submit=False)
		fx.make_service_order(self.customer, submit=False)  # two without an ID are fine
		external_id = f"SHOP-{frappe.generate_hash(length=6)}"
		first = fx.make_service_order(
			self.customer, custom_external_order_id=f"  {external_id} ", submit=False
		)
		self.assertEqual(first.custom_external_order_id, external_id)
		with self.assertRaises(frappe.UniqueValidationError) as err:
			fx.make_service_order(self.customer, custom_external_order_id=external_id, submit=False)
		self.assertIn(first.name, str(err.exception))

	def test_referral_codes_are_generated_validated_and_unique(self):
		agent = fx.make_agent("Generated Code")
		self.assertRegex(agent.referral_code, r"^REF-[A-Z0-9]{5}$")
		self.assertEqual(fx.make_agent("Typed", referral_code=" ref-ab12c ").referral_code, "REF-AB12C")
		with self.assertRaises(frappe.ValidationError):
			fx.make_agent("Bad Code", referral_code="REF-12")
		with self.assertRaises(frappe.UniqueValidationError):
			fx.make_agent("Copycat", referral_code=agent.referral_code)

	def test_rule_table_refuses_two_rules_for_one_pair(self):
		with self.assertRaises(frappe.ValidationError) as err:
			reset_rules([{"service_type": "Formation", "tier": "Standard", "amount": 1}])
		self.assertIn("already a commission rule", str(err.exception))


class TestAgentIsolation(CommissionTestCase):
	"""Over real HTTP requests: an agent reads its own rows and referred orders, nothing else."""

	USERS = (
		"coe-agent-a@example.com",
		"coe-agent-b@example.com",
		"coe-ops-reader@example.com",
		"coe-support-reader@example.com",
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.auth_a = api_user("coe-agent-a@example.com", ["Sales Agent"])
		cls.auth_b = api_user("coe-agent-b@example.com", ["Sales Agent"])
		cls.auth_ops = api_user("coe-ops-reader@example.com", ["Operations"])
		cls.agent_a = fx.make_agent("Agent A", user="coe-agent-a@example.com")
		cls.agent_b = fx.make_agent("Agent B", user="coe-agent-b@example.com")
		frappe.db.commit()

	def test_agents_see_only_their_own_rows_and_orders(self):
		so_a, order_a, _ = self.paid_order(agent=self.agent_a)
		so_b, order_b, _ = self.paid_order(agent=self.agent_b)
		[row_a], [row_b] = entries(so_a.name), entries(so_b.name)
		frappe.db.commit()

		resource = "/api/resource/Commission Ledger/"
		self.assertEqual(request("GET", resource + row_a.name, auth=self.auth_a).status, 200)
		denied = request("GET", resource + row_b.name, auth=self.auth_a)
		self.assertEqual(denied.status, 403)
		self.assertNotIn("commission_amount", denied.body)
		self.assertEqual(
			request("GET", "/api/resource/Formation Order/" + order_b.name, auth=self.auth_a).status, 403
		)
		self.assertEqual(
			request("GET", "/api/resource/Formation Order/" + order_a.name, auth=self.auth_a).status, 200
		)
		self.assertEqual(
			request("GET", "/api/resource/Sales Agent/" + self.agent_b.name, auth=self.auth_a).status, 403
		)

		listed = request(
			"GET", "/api/resource/Commission Ledger?limit_page_length=0", auth=self.auth_a
		).json()["data"]
		self.assertIn(row_a.name, [r["name"] for r in listed])
		self.assertNotIn(row_b.name, [r["name"] for r in listed])
		orders = request("GET", "/api/resource/Formation Order?limit_page_length=0", auth=self.auth_a).json()[
			"data"
		]
		self.assertEqual({r["name"] for r in orders} & {order_a.name, order_b.name}, {order_a.name})

		report = request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Commission by Agent and Month", "filters": "{}"},
			auth=self.auth_a,
		)
		self.assertEqual(report.status, 200, report.body[:500])
		rows = [r for r in report.json()["message"]["result"] if isinstance(r, dict)]  # not the total row
		self.assertEqual({r["agent"] for r in rows}, {self.agent_a.name})

		# Operations sees every agent's rows.
		ops_list = request(
			"GET", "/api/resource/Commission Ledger?limit_page_length=0", auth=self.auth_ops
		).json()["data"]
		self.assertTrue({row_a.name, row_b.name} <= {r["name"] for r in ops_list})
		self.assertEqual(request("GET", resource + row_b.name, auth=self.auth_ops).status, 200)

	def test_agent_role_is_granted_with_the_user_link(self):
		self.assertIn("Sales Agent", frappe.get_roles("coe-agent-a@example.com"))

	def test_pipeline_roles_read_customers(self):
		for user, roles in (
			("coe-ops-reader@example.com", ["Operations"]),
			("coe-support-reader@example.com", ["Support"]),
		):
			api_user(user, roles)
			self.assertTrue(frappe.has_permission("Customer", "read", user=user), user)
			self.assertFalse(frappe.has_permission("Customer", "write", user=user), user)
		self.assertFalse(frappe.has_permission("Customer", "read", user="coe-agent-a@example.com"))
