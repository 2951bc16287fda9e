"""Quotations, status rules and stock on a CRM Deal (issue 18, the deal side), on real ERPNext
quotations, orders, invoices, payments, Bins and Work Orders."""

import frappe
from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry
from frappe.client import set_value
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension import compat
from crm_order_extension.api import deals as api
from crm_order_extension.orders import deal_status
from crm_order_extension.tests import fiscal_years
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_deal_won import ensure_product, orders_of, unique

SETTINGS = "CRM Order Extension Settings"
SAVEPOINT = "coe_test_deal_quotes"
MOVE = "CRM Deal Status Move"


class QueryCounter:
	"""Counts the statements run inside the block (Frappe's own assertQueryCount does the same)."""

	def __enter__(self):
		self.count = 0
		self.orig = frappe.db.__class__.sql
		counter = self

		def sql(db, *args, **kwargs):
			counter.count += 1
			return counter.orig(db, *args, **kwargs)

		frappe.db.__class__.sql = sql
		return self

	def __exit__(self, *exc):
		frappe.db.__class__.sql = self.orig


class TestDealQuotes(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx.ensure_master_data()
		fiscal_years.cover(cls, nowdate())  # invoices, payments and a stock entry are posted today

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint(SAVEPOINT)
		frappe.db.set_single_value(
			SETTINGS,
			{
				"deal_order_company": fx.COMPANY,
				"quotation_status_rule": 0,
				"quotation_deal_status": None,
				"paid_status_rule": 0,
				"paid_deal_status": None,
			},
		)
		if frappe.db.exists("DocType", "ERPNext CRM Settings"):
			frappe.db.set_single_value("ERPNext CRM Settings", "enabled", 0)
		fx.ensure_outgoing_email_account()
		frappe.local.message_log = []

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.local.message_log = []

	# --- helpers ---

	def rules(self, quotation: str | None = None, paid: str | None = None):
		frappe.db.set_single_value(
			SETTINGS,
			{
				"quotation_status_rule": int(bool(quotation)),
				"quotation_deal_status": quotation,
				"paid_status_rule": int(bool(paid)),
				"paid_deal_status": paid,
			},
		)

	def deal(self, products=(), customer: str | None = None):
		return fx.make_deal(
			organization=frappe.get_doc(
				{"doctype": "CRM Organization", "organization_name": unique("Quote Org")}
			)
			.insert(ignore_permissions=True)
			.name,
			status="Qualification",
			custom_erpnext_customer=customer,
			products=[
				{"product_code": ensure_product(code), "product_name": code, "qty": qty, "rate": 5}
				for code, qty in products
			],
		)

	def quotation(self, customer: str, deal: str | None = None, submit: bool = True, **kwargs):
		valid_till = kwargs.pop("valid_till", add_days(nowdate(), 30))
		values = fx.quotation_values(customer, nowdate(), valid_till, deal, **kwargs)
		doc = frappe.get_doc(values).insert(ignore_permissions=True)
		if submit:
			doc.submit()
		return doc

	def status(self, deal: str) -> str:
		return frappe.db.get_value("CRM Deal", deal, "status")

	def moves(self, deal: str) -> list[str]:
		return frappe.get_all(MOVE, filters={"deal": deal}, pluck="to_status", order_by="moved_on asc")

	def require_quotation_link(self):
		if not compat.quotation_deal_field():
			self.skipTest("CRM's ERPNext integration fields are not on this site")

	# --- quotations ---

	def test_deal_quotations_by_crm_link_and_by_customer(self):
		self.require_quotation_link()
		customer = fx.make_customer(unique("Quote Buyer"))
		deal = self.deal(customer=customer)
		own = self.quotation(customer, deal.name)
		by_customer = self.quotation(customer, valid_till=add_days(nowdate(), 1))
		draft = self.quotation(customer, deal.name, submit=False)
		other_deal = self.deal(customer=customer)
		self.quotation(customer, other_deal.name)  # named another deal: not this one's
		frappe.db.set_value("Quotation", by_customer.name, "valid_till", add_days(nowdate(), -1))

		result = api.get_deal_quotations(deal.name)

		self.assertTrue(result["permitted"])
		states = {q["name"]: q["state"] for q in result["quotations"]}
		self.assertEqual(states, {own.name: "Open", by_customer.name: "Expired", draft.name: "Draft"})
		row = next(q for q in result["quotations"] if q["name"] == own.name)
		self.assertEqual(row["grand_total"], own.grand_total)
		self.assertEqual(getdate(row["valid_till"]), getdate(own.valid_till))
		self.assertEqual(row["url"], f"/app/quotation/{own.name}")

	def test_bad_input_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			api.get_deal_quotations("")
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_deal_quotations("no-such-deal")
		with self.assertRaises(frappe.DoesNotExistError):
			api.get_deal_stock("no-such-deal")

	# --- status rules ---

	def test_submitted_quotation_moves_the_deal_once_through_the_status_log(self):
		self.require_quotation_link()
		self.rules(quotation="Proposal/Quotation")
		customer = fx.make_customer(unique("Quote Buyer"))
		deal = self.deal(customer=customer)

		quotation = self.quotation(customer, deal.name)

		self.assertEqual(self.status(deal.name), "Proposal/Quotation")
		log = frappe.get_doc("CRM Deal", deal.name).status_change_log
		self.assertEqual(
			(log[-2].get("from"), log[-2].to, log[-1].get("from")),
			("Qualification", "Proposal/Quotation", "Proposal/Quotation"),
		)
		self.assertEqual(self.moves(deal.name), ["Proposal/Quotation"])

		# the user moves on; the same event never moves the deal again
		set_value("CRM Deal", deal.name, "status", "Negotiation")
		deal_status.apply_quotation_rule(deal.name, quotation.name)
		self.assertEqual(self.status(deal.name), "Negotiation")
		self.assertEqual(len(self.moves(deal.name)), 1)

	def test_rule_off_moves_nothing(self):
		self.require_quotation_link()
		customer = fx.make_customer(unique("Quote Buyer"))
		deal = self.deal(customer=customer)
		self.quotation(customer, deal.name)
		self.assertEqual(self.status(deal.name), "Qualification")
		self.assertEqual(self.moves(deal.name), [])

	def test_won_set_by_the_user_is_not_overridden(self):
		self.require_quotation_link()
		self.rules(quotation="Proposal/Quotation")
		customer = fx.make_customer(unique("Quote Buyer"))
		deal = self.deal(customer=customer)
		self.quotation(customer, deal.name)  # the rule's move
		set_value("CRM Deal", deal.name, "status", "Won")  # the user's, later

		self.quotation(customer, deal.name)

		self.assertEqual(self.status(deal.name), "Won")
		self.assertEqual(self.moves(deal.name), ["Proposal/Quotation"])

	def test_a_rule_moving_to_won_makes_no_sales_order(self):
		self.require_quotation_link()
		self.rules(quotation="Won")
		customer = fx.make_customer(unique("Quote Buyer"))
		deal = self.deal(products=[("COE-CAKE", 1)], customer=customer)
		self.quotation(customer, deal.name)
		self.assertEqual(self.status(deal.name), "Won")
		self.assertEqual(orders_of(deal.name), [])  # Deal won → Sales Order is the user's move only

	def test_orders_paid_by_a_payment_entry_move_the_deal(self):
		self.rules(paid="Ready to Close")
		customer = fx.make_customer(unique("Paying Buyer"))
		deal = self.deal(customer=customer)
		order = fx.make_sales_order(customer, [("COE-CAKE", 2, 5)], custom_crm_deal=deal.name)
		invoice = fx.invoice_order(order)
		self.assertEqual(self.status(deal.name), "Qualification")  # billed, not paid

		payment = fx.pay_invoice(invoice)

		self.assertEqual(self.status(deal.name), "Ready to Close")
		self.assertEqual(self.moves(deal.name), ["Ready to Close"])
		log = frappe.get_doc("CRM Deal", deal.name).status_change_log
		self.assertEqual(log[-1].get("from"), "Ready to Close")

		# the user wins the deal later; cancelling and paying again never overrides it
		set_value("CRM Deal", deal.name, "status", "Won")
		payment.reload()
		payment.cancel()
		fx.pay_invoice(frappe.get_doc("Sales Invoice", invoice.name))
		self.assertEqual(self.status(deal.name), "Won")
		self.assertEqual(len(self.moves(deal.name)), 1)

	def test_partly_paid_orders_do_not_move_the_deal(self):
		self.rules(paid="Ready to Close")
		customer = fx.make_customer(unique("Paying Buyer"))
		deal = self.deal(customer=customer)
		order = fx.make_sales_order(customer, [("COE-CAKE", 2, 5)], custom_crm_deal=deal.name)
		fx.pay_invoice(fx.invoice_order(order), amount=3)
		self.assertEqual(self.status(deal.name), "Qualification")

	# --- stock ---

	def test_stock_from_bins_and_ship_date_from_a_work_order(self):
		item = fx.ensure_item(f"COE-DQ-{frappe.generate_hash(length=6).upper()}", manufactured=True)
		make_stock_entry(item_code=item, target=fx.warehouse(), qty=3, basic_rate=1, company=fx.COMPANY)
		deal = self.deal(products=[(item, 2), (item, 3)])
		work_order = frappe.get_doc(
			{
				"doctype": "Work Order",
				"production_item": item,
				"bom_no": fx.ensure_bom(item),
				"qty": 2,
				"company": fx.COMPANY,
				"wip_warehouse": fx.warehouse(fx.COMPANY, "Work In Progress"),
				"fg_warehouse": fx.warehouse(fx.COMPANY, "Finished Goods"),
				"planned_start_date": f"{nowdate()} 08:00:00",
			}
		).insert(ignore_permissions=True)
		work_order.submit()
		work_order.db_set("planned_end_date", f"{add_days(nowdate(), 4)} 17:00:00")

		result = api.get_deal_stock(deal.name)

		lines = result["lines"]
		self.assertEqual(result["company"], fx.COMPANY)
		self.assertEqual([(line["available"], line["projected"]) for line in lines[:2]], [(3, 5), (3, 5)])
		self.assertEqual(getdate(lines[0]["ship_date"]), getdate(nowdate()))  # 2 of the 3 in stock
		# 1 left in stock, 2 short: the Work Order's 2 cover it at its planned end
		self.assertEqual((lines[1]["shortfall"], lines[1]["source_name"]), (2, work_order.name))
		self.assertEqual(getdate(lines[1]["ship_date"]), getdate(add_days(nowdate(), 4)))

		# more than stock and supply: no date
		frappe.db.set_value("CRM Products", {"parent": deal.name, "product_code": item, "qty": 3}, "qty", 9)
		lines = api.get_deal_stock(deal.name)["lines"]
		self.assertIsNone(lines[1]["ship_date"])

	def test_won_deal_order_notes_the_lines_short_of_stock(self):
		item = fx.ensure_item(f"COE-DQ-{frappe.generate_hash(length=6).upper()}")
		customer = fx.make_customer(unique("Short Buyer"))
		deal = self.deal(products=[(item, 4)], customer=customer)
		set_value("CRM Deal", deal.name, "status", "Won")
		order = orders_of(deal.name)[0].name
		notes = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Sales Order", "reference_name": order, "comment_type": "Comment"},
			pluck="content",
		)
		self.assertEqual(len(notes), 1)
		self.assertIn(item, notes[0])

	def test_fixed_number_of_queries(self):
		self.require_quotation_link()
		customer = fx.make_customer(unique("Quote Buyer"))
		small = self.deal(products=[("COE-CAKE", 1)], customer=customer)
		large = self.deal(products=[("COE-CAKE", 1), ("COE-BREAD", 2), ("COE-PIE", 3)], customer=customer)
		self.quotation(customer, small.name)
		for _i in range(3):
			self.quotation(customer, large.name)
		for fn in (api.get_deal_quotations, api.get_deal_stock):
			fn(small.name)  # caches warm
			with QueryCounter() as one:
				fn(small.name)
			with QueryCounter() as many:
				fn(large.name)
			self.assertEqual(one.count, many.count, fn.__name__)
