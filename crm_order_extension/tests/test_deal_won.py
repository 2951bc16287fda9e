"""Deal won -> draft Sales Order, through CRM's own status change: a deal saved with a Won status
and frappe.client.set_value, the call the /crm status dropdown makes (CRM 1.52.1 Deal.vue)."""

import frappe
from frappe.client import set_value
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension import compat
from crm_order_extension.api import deals as api
from crm_order_extension.api.orders import get_order_history
from crm_order_extension.tests import fixtures as fx

SETTINGS = "CRM Order Extension Settings"
SAVEPOINT = "coe_test_deal_won"


def unique(prefix: str) -> str:
	return f"{prefix} {frappe.generate_hash(length=6)}"


def make_user(role: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "User",
				"email": f"coe-deal-won-{frappe.generate_hash(length=6)}@example.com",
				"first_name": f"Deal {role}",
				"send_welcome_email": 0,
				"roles": [{"role": role}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def ensure_product(code: str) -> str:
	"""A CRM Product (named by its code, which is the ERPNext Item code). Made while CRM's ERPNext
	integration is off: with it on, CRM v1.7x+ refuses new products (they come from Items)."""
	if not frappe.db.exists("CRM Product", code):
		assert not compat.integration_blocks_new_products(), "switch CRM's integration on afterwards"
		frappe.get_doc(
			{"doctype": "CRM Product", "product_code": code, "product_name": code, "standard_rate": 10}
		).insert(ignore_permissions=True)
	return code


def orders_of(deal: str) -> list[dict]:
	return frappe.get_all(
		"Sales Order",
		filters={"custom_crm_deal": deal},
		fields=["name", "docstatus", "customer", "company", "delivery_date"],
		order_by="creation asc",
	)


def messages() -> str:
	return " ".join(str(m) for m in frappe.local.message_log)


def comments_of(deal: str) -> list[str]:
	return frappe.get_all(
		"Comment",
		filters={"reference_doctype": "CRM Deal", "reference_name": deal, "comment_type": "Comment"},
		pluck="content",
	)


class TestDealWon(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx.ensure_master_data()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint(SAVEPOINT)
		frappe.db.set_single_value(
			SETTINGS, {"deal_order_company": fx.COMPANY, "deal_delivery_days": 7, "auto_sync": 1}
		)
		if frappe.db.exists("DocType", "ERPNext CRM Settings"):
			frappe.db.set_single_value("ERPNext CRM Settings", "enabled", 0)
		frappe.local.message_log = []
		# CRM v1.81 assigns a deal to its owner, and Frappe emails the assignment at once under tests
		fx.ensure_outgoing_email_account()
		self.sales_user = make_user("Sales User")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.local.message_log = []

	def deal(self, products=(("COE-CAKE", 2, 5), ("COE-BREAD", 3, 4)), organization=True, contact=None, **kw):
		org = None
		if organization:
			org = frappe.get_doc(
				{"doctype": "CRM Organization", "organization_name": unique("Deal Org")}
			).insert(ignore_permissions=True)
		# The Sales User's own deal: CRM v1.81 lets a Sales User at the deals it owns or is assigned.
		kw.setdefault("deal_owner", self.sales_user)
		return fx.make_deal(
			organization=org.name if org else None,
			status="Qualification",
			contacts=[{"contact": contact}] if contact else [],
			products=[
				{"product_code": ensure_product(code), "product_name": code, "qty": qty, "rate": rate}
				for code, qty, rate in products
			],
			**kw,
		)

	def win(self, deal_name: str, user: str | None = None, status: str = "Won"):
		"""Move the deal as the /crm status dropdown does."""
		frappe.set_user(user or self.sales_user)
		try:
			return set_value("CRM Deal", deal_name, "status", status)
		finally:
			frappe.set_user("Administrator")

	def test_won_makes_one_draft_order_linked_both_ways_and_in_the_history(self):
		deal = self.deal()
		customers = frappe.db.count("Customer")

		result = self.win(deal.name)

		orders = orders_of(deal.name)
		self.assertEqual(len(orders), 1)
		order = frappe.get_doc("Sales Order", orders[0].name)
		self.assertEqual(order.docstatus, 0)
		self.assertEqual(order.status, "Draft")
		self.assertEqual(order.company, fx.COMPANY)
		self.assertEqual(order.owner, self.sales_user)
		self.assertEqual(getdate(order.delivery_date), getdate(add_days(nowdate(), 7)))
		self.assertEqual(
			[(i.item_code, i.qty, i.rate) for i in order.items], [("COE-CAKE", 2, 5), ("COE-BREAD", 3, 4)]
		)
		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "custom_sales_order"), order.name)
		self.assertEqual(result["custom_sales_order"], order.name)  # what the /crm page gets back
		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "status"), "Won")
		# a new Company customer from the organization
		self.assertEqual(frappe.db.count("Customer"), customers + 1)
		customer = frappe.db.get_value(
			"Customer", order.customer, ["customer_name", "customer_type"], as_dict=True
		)
		self.assertEqual((customer.customer_name, customer.customer_type), (deal.organization, "Company"))
		self.assertIn(order.name, messages())

		frappe.set_user(self.sales_user)
		rows = get_order_history("CRM Deal", deal.name, 0, 50)["rows"]
		self.assertEqual({(r["sales_order"], r["order_status"]) for r in rows}, {(order.name, "Draft")})
		self.assertEqual(len(rows), 2)

	def test_second_won_does_nothing(self):
		deal = self.deal()
		self.win(deal.name)
		first = orders_of(deal.name)
		self.win(deal.name, status="Negotiation")
		frappe.local.message_log = []
		self.win(deal.name)
		self.assertEqual(orders_of(deal.name), first)
		self.assertEqual(messages(), "")
		# saving the won deal again (no status change) does nothing either
		doc = frappe.get_doc("CRM Deal", deal.name)
		doc.next_step = "Ship it"
		doc.save(ignore_permissions=True)
		self.assertEqual(orders_of(deal.name), first)

	def test_direct_save_as_sales_user_and_existing_customer_by_contact(self):
		customer = fx.make_customer(unique("Deal Buyer"))
		contact = fx.make_contact("Robin", f"{frappe.generate_hash(length=8)}@example.com", customer)
		deal = self.deal(organization=False, contact=contact, products=[("COE-PIE", 1, 12)])
		customers = frappe.db.count("Customer")

		frappe.set_user(self.sales_user)
		doc = frappe.get_doc("CRM Deal", deal.name)
		doc.status = "Won"
		doc.save()
		frappe.set_user("Administrator")

		orders = orders_of(deal.name)
		self.assertEqual([o.customer for o in orders], [customer])
		self.assertEqual(frappe.db.count("Customer"), customers)

	def test_new_individual_customer_from_the_primary_contact(self):
		contact = fx.make_contact("Quinn", f"{frappe.generate_hash(length=8)}@example.com", last_name="Lone")
		deal = self.deal(organization=False, contact=contact)
		self.win(deal.name)
		order = orders_of(deal.name)[0]
		customer = frappe.get_doc("Customer", order.customer)
		self.assertEqual((customer.customer_name, customer.customer_type), ("Quinn Lone", "Individual"))
		links = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"},
			pluck="link_name",
		)
		self.assertEqual(links, [customer.name])

	def test_unknown_item_is_reported_and_no_order_is_made(self):
		deal = self.deal(products=[("COE-CAKE", 1, 5), ("COE-NO-SUCH-ITEM", 2, 3)])
		customers = frappe.db.count("Customer")

		self.win(deal.name)

		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "status"), "Won")
		self.assertEqual(orders_of(deal.name), [])
		self.assertFalse(frappe.db.get_value("CRM Deal", deal.name, "custom_sales_order"))
		self.assertEqual(frappe.db.count("Customer"), customers)  # nothing half-made
		self.assertIn("COE-NO-SUCH-ITEM", messages())
		self.assertNotIn("COE-CAKE", messages())
		comments = comments_of(deal.name)
		self.assertTrue(any("COE-NO-SUCH-ITEM" in c for c in comments), comments)

	def test_customer_tie_is_reported_never_guessed(self):
		deal = self.deal()
		first = fx.make_customer(deal.organization)
		second = fx.make_customer(deal.organization)  # same name, another record

		self.win(deal.name)

		self.assertEqual(orders_of(deal.name), [])
		self.assertIn(first, messages())
		self.assertIn(second, messages())

	def test_user_who_may_not_create_orders_wins_the_deal_with_a_note(self):
		deal = self.deal()
		user = make_user("Support")
		frappe.share.add_docshare(
			"CRM Deal", deal.name, user, write=1, flags={"ignore_share_permission": True}
		)
		self.assertFalse(frappe.has_permission("Sales Order", "create", user=user))

		self.win(deal.name, user=user)

		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "status"), "Won")
		self.assertEqual(orders_of(deal.name), [])
		self.assertIn("Sales User", messages())
		comments = comments_of(deal.name)
		self.assertTrue(any("Sales User must create it" in c for c in comments), comments)

	def test_crm_integration_customer_is_used_not_a_second_one(self):
		contact = fx.make_contact("Casey", f"{frappe.generate_hash(length=8)}@example.com")
		deal = self.deal(contact=contact)
		frappe.db.set_single_value(
			"ERPNext CRM Settings",
			{"enabled": 1, "create_customer_on_status_change": 1, "deal_status": "Won"},
		)
		customers = frappe.db.count("Customer")

		self.win(deal.name)

		self.assertEqual(frappe.db.count("Customer"), customers + 1)
		crm_customer = frappe.db.get_value("Customer", {"customer_name": deal.organization})
		self.assertTrue(crm_customer)
		self.assertEqual([o.customer for o in orders_of(deal.name)], [crm_customer])
		if frappe.get_meta("Customer").has_field("crm_deal"):
			self.assertEqual(frappe.db.get_value("Customer", crm_customer, "crm_deal"), deal.name)

	def test_with_crms_integration_on_the_deal_keeps_one_customer_and_one_order(self):
		"""CRM v1.74+ finds or makes a deal's customer itself and keeps it on the deal; its Sales
		Order hook fills the customer of an order made from the deal. Winning makes one customer,
		tells CRM which, and the order keeps it: saving it again (CRM's hook runs) adds nothing."""
		deal = self.deal()
		frappe.db.set_single_value("ERPNext CRM Settings", {"enabled": 1, "sync_products": 0})
		customers = frappe.db.count("Customer")

		self.win(deal.name)

		orders = orders_of(deal.name)
		self.assertEqual(len(orders), 1)
		self.assertEqual(frappe.db.count("Customer"), customers + 1)
		customer = orders[0].customer
		self.assertEqual(frappe.db.get_value("Customer", customer, "customer_name"), deal.organization)
		self.assertEqual(frappe.db.get_value("Customer", customer, "crm_deal"), deal.name)
		field = compat.deal_customer_field()
		if field:  # where CRM keeps the customer on the deal, it is this one
			self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, field), customer)
		order = frappe.get_doc("Sales Order", orders[0].name)
		order.save()
		self.assertEqual(order.customer, customer)
		self.assertEqual(frappe.db.count("Customer"), customers + 1)
		self.assertEqual([o.name for o in orders_of(deal.name)], [order.name])

	def test_products_become_the_items_crm_links_them_to(self):
		"""Where CRM's integration links a CRM Product to an ERPNext Item (compat.product_item_field),
		the order line is that Item; elsewhere the product's code is the Item code."""
		code = f"COE-CRM-{frappe.generate_hash(length=6).upper()}"
		ensure_product(code)
		field = compat.product_item_field()
		if field:
			frappe.db.set_value("CRM Product", code, field, "COE-TART")
		deal = self.deal(products=[(code, 2, 7)])

		self.win(deal.name)

		orders = orders_of(deal.name)
		if field:
			self.assertEqual(len(orders), 1)
			items = frappe.get_all("Sales Order Item", filters={"parent": orders[0].name}, pluck="item_code")
			self.assertEqual(items, ["COE-TART"])
		else:
			self.assertEqual(orders, [])  # the code is no Item: reported, no order
			self.assertIn(code, messages())

	def test_recreate_after_cancel_only(self):
		deal = self.deal()
		self.win(deal.name)
		first = orders_of(deal.name)[0].name

		frappe.set_user(self.sales_user)
		with self.assertRaises(frappe.ValidationError) as err:
			api.recreate_sales_order(deal.name)
		self.assertIn(first, str(err.exception))
		frappe.set_user("Administrator")

		order = frappe.get_doc("Sales Order", first)
		order.set_warehouse = fx.warehouse()
		for item in order.items:
			item.warehouse = fx.warehouse()
		order.save()
		order.submit()
		order.cancel()
		# a cancelled order is not replaced by winning again
		self.win(deal.name, status="Negotiation")
		self.win(deal.name)
		self.assertEqual([o.name for o in orders_of(deal.name)], [first])

		frappe.set_user(self.sales_user)
		result = api.recreate_sales_order(deal.name)
		frappe.set_user("Administrator")
		orders = orders_of(deal.name)
		self.assertEqual([(o.name, o.docstatus) for o in orders], [(first, 2), (result["sales_order"], 0)])
		self.assertEqual(
			frappe.db.get_value("CRM Deal", deal.name, "custom_sales_order"), result["sales_order"]
		)

	def test_recreate_needs_a_won_deal_and_order_permission(self):
		deal = self.deal()
		frappe.set_user(self.sales_user)
		with self.assertRaises(frappe.ValidationError):
			api.recreate_sales_order(deal.name)
		frappe.set_user("Administrator")
		user = make_user("Support")
		frappe.share.add_docshare(
			"CRM Deal", deal.name, user, write=1, flags={"ignore_share_permission": True}
		)
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			api.recreate_sales_order(deal.name)

	def test_default_company_and_later_expected_closure(self):
		frappe.db.set_single_value(SETTINGS, "deal_order_company", None)
		closure = add_days(nowdate(), 30)
		deal = self.deal(expected_closure_date=closure)
		self.win(deal.name)
		order = orders_of(deal.name)[0]
		self.assertEqual(order.company, frappe.db.get_single_value("Global Defaults", "default_company"))
		self.assertEqual(getdate(order.delivery_date), getdate(closure))
