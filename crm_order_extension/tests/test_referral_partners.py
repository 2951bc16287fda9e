"""Referral partners: a percentage commission per paid order, once, with the agents' life cycle;
one referral-code namespace with the agents; totals from the ledger; isolation over HTTP."""

import frappe
from frappe.utils import add_days, flt, nowdate

from crm_order_extension.pipelines import commission as ledger
from crm_order_extension.pipelines import payment
from crm_order_extension.pipelines.referral_partners import code_owner
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_records
from crm_order_extension.tests.http_client import api_user, request
from crm_order_extension.tests.test_commissions import CommissionTestCase, entries

PARTNER = "Referral Partner"
LEDGER = "Commission Ledger"


def make_partner(partner_name: str, rate: float = 10, user: str | None = None, **kwargs):
	"""A Referral Partner; one linked to a (committed, shared) user is reused across runs."""
	if user and (existing := frappe.db.get_value(PARTNER, {"user": user})):
		return frappe.get_doc(PARTNER, existing)
	return frappe.get_doc(
		{"doctype": PARTNER, "partner_name": partner_name, "commission_rate": rate, "user": user, **kwargs}
	).insert(ignore_permissions=True)


def ledger_rows(sales_order: str) -> list[dict]:
	return frappe.get_all(
		LEDGER,
		filters={"sales_order": sales_order},
		fields=[
			"name",
			"party_type",
			"agent",
			"partner",
			"party_name",
			"status",
			"commission_amount",
			"commission_rate",
			"base_amount",
			"refund_flagged",
		],
	)


class PartnerTestCase(CommissionTestCase):
	PARTNER_USERS = ()

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.partners = []
		cls.partner = cls.new_partner("Percy Partner", rate=12.5, tier="Gold")

	@classmethod
	def new_partner(cls, *args, **kwargs):
		partner = make_partner(*args, **kwargs)
		cls.partners.append(partner.name)
		return partner

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_customers([cls.customer])  # the orders and their ledger entries first
		delete_records([(PARTNER, name) for name in cls.partners if frappe.db.exists(PARTNER, name)])
		frappe.db.commit()
		super().tearDownClass()

	def partner_order(self, partner=None, rate=299, order_type="formation"):
		partner = partner or self.partner
		so = fx.make_service_order(self.customer, order_type, partner.referral_code, rate=rate)
		invoice = fx.invoice_order(so)
		fx.pay_invoice(invoice)
		return so, invoice


class TestPartnerCommissions(PartnerTestCase):
	def test_a_paid_order_earns_the_rate_of_its_net_total_once(self):
		so = fx.make_service_order(self.customer, "formation", self.partner.referral_code.lower(), rate=299)
		invoice = fx.invoice_order(so)
		self.assertEqual(ledger_rows(so.name), [])  # invoiced is not paid
		fx.pay_invoice(invoice)
		[row] = ledger_rows(so.name)
		self.assertEqual(
			(row.party_type, row.partner, row.agent, row.party_name, row.status),
			(PARTNER, self.partner.name, None, "Percy Partner", "Pending"),
		)
		self.assertEqual((row.commission_rate, row.base_amount), (12.5, 299))
		self.assertEqual(row.commission_amount, 37.38)  # 12.5 % of 299 = 37.375, to the cent
		self.assertEqual(row.commission_amount, flt(299 * 12.5 / 100, 2))
		self.assertEqual(frappe.db.get_value(LEDGER, row.name, "commission_tier"), "Gold")

		invoice.reload()
		payment.on_sales_invoice_change(invoice)
		payment.handle_paid_order(so.name, invoice.name)
		self.assertEqual(ledger.create_for_order(so.name), row.name)
		self.assertEqual(len(ledger_rows(so.name)), 1)

	def test_amounts_are_rounded_to_the_currency(self):
		partner = self.new_partner("Odd Rate", rate=7.3)
		so, _invoice = self.partner_order(partner, rate=33.33)
		[row] = ledger_rows(so.name)
		self.assertEqual(row.commission_amount, 2.43)  # 2.43309

		compliance, _invoice = self.partner_order(partner, rate=100, order_type="compliance")
		[row] = ledger_rows(compliance.name)  # a rate earns on every service type
		self.assertEqual(row.commission_amount, 7.3)

	def test_no_entry_for_a_disabled_or_zero_rate_partner(self):
		disabled = self.new_partner("Gone Partner", rate=10, enabled=0)
		zero = self.new_partner("Zero Partner", rate=0)
		for partner in (disabled, zero):
			so, _invoice = self.partner_order(partner)
			self.assertEqual(ledger_rows(so.name), [], partner.partner_name)

	def test_refunds_reverse_or_flag_like_agents_entries(self):
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		so, invoice = self.partner_order()
		credit_note = make_sales_return(invoice.name)
		credit_note.insert(ignore_permissions=True)
		credit_note.submit()
		[row] = ledger_rows(so.name)
		self.assertEqual((row.status, row.refund_flagged), ("Reversed", 0))

		paid_so, paid_invoice = self.partner_order()
		[row] = ledger_rows(paid_so.name)
		with self.freeze_time(f"{add_days(nowdate(), 31)} 10:00:00.123456"):
			self.assertGreaterEqual(ledger.daily_eligibility(), 1)
			self.assertEqual(frappe.db.get_value(LEDGER, row.name, "status"), "Eligible")
			doc = frappe.get_doc(LEDGER, row.name)
			doc.status = "Paid"
			doc.paid_date = nowdate()
			doc.save()
			late_note = make_sales_return(paid_invoice.name)
			late_note.insert(ignore_permissions=True)
			late_note.submit()
		[row] = ledger_rows(paid_so.name)
		self.assertEqual((row.status, row.refund_flagged), ("Paid", 1))

	def test_totals_are_computed_from_the_ledger(self):
		partner = self.new_partner("Totals Partner", rate=10)
		self.assertEqual((partner.total_referrals, partner.total_paid), (0, 0))
		paid_so, _ = self.partner_order(partner, rate=200)
		self.partner_order(partner, rate=300)
		reversed_so, _ = self.partner_order(partner, rate=400)
		ledger.reverse_for_order(reversed_so.name, "test refund")
		[paid] = ledger_rows(paid_so.name)
		with self.freeze_time(f"{add_days(nowdate(), 31)} 10:00:00.123456"):
			ledger.daily_eligibility()
			from crm_order_extension.api import commissions

			commissions.mark_paid([paid.name], nowdate())
		doc = frappe.get_doc(PARTNER, partner.name)
		self.assertEqual((doc.total_referrals, doc.total_paid), (2, 20))
		self.assertEqual(doc.as_dict()["total_referrals"], 2)
		self.assertEqual(doc.as_dict()["total_paid"], 20)
		# typed-in totals are ignored: they are not stored at all
		doc.set("total_paid", 999)  # as a form or import would send it
		doc.save()
		self.assertFalse(frappe.db.has_column(PARTNER, "total_paid"))
		self.assertEqual(frappe.get_doc(PARTNER, partner.name).total_paid, 20)

	def test_rate_must_be_a_percentage(self):
		for rate in (-1, 100.5):
			with self.assertRaises(frappe.ValidationError):
				make_partner("Bad Rate", rate=rate)

	def test_agents_entries_keep_working(self):
		so, _order, _invoice = self.paid_order()
		[row] = ledger_rows(so.name)
		self.assertEqual(
			(row.party_type, row.agent, row.partner, row.party_name, row.commission_amount),
			("Sales Agent", self.agent.name, None, self.agent.agent_name, 50),
		)

	def test_an_entry_names_exactly_one_party(self):
		so = fx.make_service_order(self.customer, "formation")
		for party, fragment in (
			({"agent": self.agent.name, "partner": self.partner.name}, "not both"),
			({"party_type": PARTNER, "agent": self.agent.name}, "needs the Referral Partner"),
		):
			entry = frappe.get_doc(
				{
					"doctype": LEDGER,
					**party,
					"sales_order": so.name,
					"service_type": "Formation",
					"commission_amount": 1,
					"status": "Pending",
				}
			)
			with self.assertRaises(frappe.ValidationError) as err:
				entry.insert(ignore_permissions=True)
			self.assertIn(fragment, str(err.exception))


class TestSharedCodes(PartnerTestCase):
	def test_agents_and_partners_share_one_namespace(self):
		agent = fx.make_agent("Namespace Agent")
		with self.assertRaises(frappe.UniqueValidationError) as err:
			self.new_partner("Copy Partner", referral_code=agent.referral_code.lower())
		self.assertIn("Sales Agent", str(err.exception))
		with self.assertRaises(frappe.UniqueValidationError) as err:
			fx.make_agent("Copy Agent", referral_code=self.partner.referral_code)
		self.assertIn("Referral Partner", str(err.exception))
		with self.assertRaises(frappe.UniqueValidationError):
			self.new_partner("Same Kind", referral_code=self.partner.referral_code)
		with self.assertRaises(frappe.ValidationError):
			self.new_partner("Bad Code", referral_code="REF-12")

		generated = self.new_partner("Generated Partner")
		self.assertRegex(generated.referral_code, r"^REF-[A-Z0-9]{5}$")
		# the generator's "taken" check sees both kinds
		self.assertEqual(code_owner(agent.referral_code), ("Sales Agent", agent.name))
		self.assertEqual(code_owner(generated.referral_code), (PARTNER, generated.name))
		self.assertIsNone(code_owner(generated.referral_code, PARTNER, generated.name))
		# saving a record again keeps its own code
		generated.save()
		agent.save()

	def test_an_agents_code_pays_the_agent(self):
		so, _order, _invoice = self.paid_order()
		[row] = ledger_rows(so.name)
		self.assertEqual((row.party_type, row.agent), ("Sales Agent", self.agent.name))


class TestPartnerIsolation(PartnerTestCase):
	"""Over real HTTP requests: a partner reads its own record and ledger rows, nothing else."""

	USERS = (
		"coe-partner-a@example.com",
		"coe-partner-b@example.com",
		"coe-partner-agent@example.com",
		"coe-partner-ops@example.com",
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.auth_a = api_user("coe-partner-a@example.com", [])
		cls.auth_b = api_user("coe-partner-b@example.com", [])
		cls.auth_agent = api_user("coe-partner-agent@example.com", ["Sales Agent"])
		cls.auth_ops = api_user("coe-partner-ops@example.com", ["Operations"])
		cls.partner_a = cls.new_partner("Partner A", rate=10, user="coe-partner-a@example.com")
		cls.partner_b = cls.new_partner("Partner B", rate=20, user="coe-partner-b@example.com")
		cls.agent_a = fx.make_agent("Partner Test Agent", user="coe-partner-agent@example.com")
		frappe.db.commit()

	def test_linking_a_user_grants_the_partner_role(self):
		self.assertIn("Referral Partner", frappe.get_roles("coe-partner-a@example.com"))

	def test_partners_see_only_their_own_rows_and_record(self):
		so_a, _ = self.partner_order(self.partner_a, rate=100)
		so_b, _ = self.partner_order(self.partner_b, rate=100)
		so_agent, _order, _invoice = self.paid_order(agent=self.agent_a, with_pipeline=False)
		[row_a], [row_b], [row_agent] = (
			ledger_rows(so_a.name),
			ledger_rows(so_b.name),
			ledger_rows(so_agent.name),
		)
		self.assertEqual((row_a.commission_amount, row_b.commission_amount), (10, 20))
		frappe.db.commit()

		resource = f"/api/resource/{LEDGER}/"
		self.assertEqual(request("GET", resource + row_a.name, auth=self.auth_a).status, 200)
		for other in (row_b, row_agent):
			denied = request("GET", resource + other.name, auth=self.auth_a)
			self.assertEqual(denied.status, 403, other.name)
			self.assertNotIn("commission_amount", denied.body)
		listed = request("GET", f"/api/resource/{LEDGER}?limit_page_length=0", auth=self.auth_a).json()[
			"data"
		]
		self.assertEqual({r["name"] for r in listed} & {row_a.name, row_b.name, row_agent.name}, {row_a.name})

		own = request("GET", f"/api/resource/{PARTNER}/{self.partner_a.name}", auth=self.auth_a)
		self.assertEqual(own.status, 200, own.body[:300])
		self.assertEqual(own.json()["data"]["total_referrals"], 1)
		self.assertEqual(
			request("GET", f"/api/resource/{PARTNER}/{self.partner_b.name}", auth=self.auth_a).status, 403
		)
		partners = request("GET", f"/api/resource/{PARTNER}?limit_page_length=0", auth=self.auth_a).json()[
			"data"
		]
		self.assertEqual([r["name"] for r in partners], [self.partner_a.name])
		self.assertEqual(
			request("GET", f"/api/resource/Sales Agent/{self.agent_a.name}", auth=self.auth_a).status, 403
		)

		report = request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Commission by Agent and Month", "filters": "{}"},
			auth=self.auth_a,
		)
		self.assertEqual(report.status, 200, report.body[:500])
		rows = [r for r in report.json()["message"]["result"] if isinstance(r, dict)]
		self.assertEqual({(r["party_type"], r["agent"]) for r in rows}, {(PARTNER, self.partner_a.name)})

		# The agent sees its own rows, not the partners'.
		agent_list = request(
			"GET", f"/api/resource/{LEDGER}?limit_page_length=0", auth=self.auth_agent
		).json()["data"]
		self.assertEqual(
			{r["name"] for r in agent_list} & {row_a.name, row_b.name, row_agent.name}, {row_agent.name}
		)

		# Operations sees everything, and the report names both kinds.
		ops_list = request("GET", f"/api/resource/{LEDGER}?limit_page_length=0", auth=self.auth_ops).json()[
			"data"
		]
		self.assertTrue({row_a.name, row_b.name, row_agent.name} <= {r["name"] for r in ops_list})
		ops_report = request(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Commission by Agent and Month", "filters": "{}"},
			auth=self.auth_ops,
		).json()["message"]["result"]
		parties = {(r["party_type"], r["agent"]) for r in ops_report if isinstance(r, dict)}
		self.assertTrue(
			{
				(PARTNER, self.partner_a.name),
				(PARTNER, self.partner_b.name),
				("Sales Agent", self.agent_a.name),
			}
			<= parties
		)
