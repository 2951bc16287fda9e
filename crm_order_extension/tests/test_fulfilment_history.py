"""Quote to cash beside each order (issue 18), on real ERPNext documents: an invoice paid by a
Payment Entry, partial and full Delivery Notes, a Shipment with tracking, a Credit Note and a return
Delivery Note reach the customer's stored history, the summary line and the history dialog."""

import frappe
from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry
from frappe.utils import nowdate

from crm_order_extension.api import orders as api
from crm_order_extension.benchmarks.order_history import count_queries
from crm_order_extension.orders.fulfilment import fulfilment_of
from crm_order_extension.patches.v0_5.side_panel_short_rows import backfill
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase

ITEM = "COE-BREAD"


def deliver(sales_order, qty: float, **values):
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	note = make_delivery_note(sales_order.name)
	for line in note.items:
		line.qty = qty
	note.update(values)
	note.insert(ignore_permissions=True)
	note.submit()
	return note


def ship(delivery_note, carrier: str, awb: str, url: str):
	"""A submitted Shipment of `delivery_note` with the carrier's tracking (addresses and contacts,
	which only a carrier integration needs, left out)."""
	shipment = frappe.get_doc(
		{
			"doctype": "Shipment",
			"pickup_from_type": "Company",
			"pickup_company": delivery_note.company,
			"delivery_to_type": "Customer",
			"delivery_customer": delivery_note.customer,
			"value_of_goods": delivery_note.grand_total or 1,
			"description_of_content": "Bread",
			"pickup_date": nowdate(),
			"pickup_from": "09:00",
			"pickup_to": "17:00",
			"shipment_parcel": [{"length": 10, "width": 10, "height": 10, "weight": 1, "count": 1}],
			"shipment_delivery_note": [{"delivery_note": delivery_note.name}],
			"carrier": carrier,
			"awb_number": awb,
			"tracking_url": url,
			"tracking_status": "In Progress",
		}
	)
	shipment.flags.ignore_mandatory = True
	shipment.insert(ignore_permissions=True)
	shipment.submit()
	return shipment


class TestQuoteToCash(OrderHistoryTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		item = fx.ensure_item(ITEM)
		make_stock_entry(item_code=item, target=fx.warehouse(), qty=100, basic_rate=1, company=fx.COMPANY)

	def order_with_ticket(self, qty=4):
		customer, contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [(ITEM, qty, 60)])
		ticket = fx.make_ticket(email, contact=contact)
		return customer, order, str(ticket.name)

	def test_paid_invoice_partial_delivery_with_tracking_and_returns(self):
		_customer, order, ticket = self.order_with_ticket()
		invoice = fx.invoice_order(order)
		fx.pay_invoice(invoice, amount=40)
		first = deliver(order, 1, transporter_name="DHL", lr_no="LR-12345")
		second = deliver(order, 2)
		ship(second, "UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784")

		history = api.get_order_history("HD Ticket", ticket, 0, 50)
		data = history["fulfilment"][order.name]
		self.assertEqual(data["billed_percent"], 100)
		[billed] = data["invoices"]
		self.assertEqual((billed["name"], billed["outstanding_amount"]), (invoice.name, 200))
		self.assertIn(billed["status"], ("Partly Paid", "Unpaid", "Overdue"))
		self.assertEqual(data["outstanding"], 200)
		dhl, ups = data["deliveries"]
		self.assertEqual(
			(dhl["name"], dhl["carrier"], dhl["tracking_number"]), (first.name, "DHL", "LR-12345")
		)
		self.assertEqual(
			(ups["name"], ups["carrier"], ups["tracking_number"], ups["tracking_status"]),
			(second.name, "UPS", "1Z999AA10123456784", "In Progress"),
		)
		self.assertEqual(data["shipped"], "Partly shipped")
		self.assertEqual(data["returns"], [])
		# Per line: 3 of its 4 shipped
		[line] = history["rows"]
		self.assertEqual((line["qty"], line["delivered_qty"]), (4, 3))
		# The customer's header and the summary line
		self.assertEqual(
			(
				history["header"]["orders"],
				history["header"]["outstanding"],
				history["header"]["open_tickets"],
			),
			(1, 200, 1),
		)
		summary = history["summary"]["order_summary"]
		self.assertIn("1 unpaid (", summary)
		self.assertIn("shipped 1 via UPS 1Z999A…", summary)
		self.assertEqual(frappe.db.get_value("HD Ticket", ticket, "custom_order_summary"), summary)
		# The short rows of /crm's side panel
		unpaid, shipment = frappe.db.get_value(
			"HD Ticket", ticket, ["custom_order_unpaid", "custom_order_last_shipment"]
		)
		self.assertIn(", due ", unpaid)
		self.assertEqual(shipment, "UPS 1Z999A…")
		# A site upgraded to these rows (no values yet, lines without their delivered quantity, no
		# line digests) gets them when patch v0_5's job recomputes each stored history once.
		frappe.db.set_value(
			"HD Ticket",
			ticket,
			{"custom_order_unpaid": None, "custom_order_last_shipment": None},
			update_modified=False,
		)
		key = history["history"]
		frappe.db.set_value("Customer Order History Line", {"parent": key}, "delivered_qty", 0)
		frappe.db.set_value("Customer Order History", key, "line_digests", None, update_modified=False)
		self.assertGreaterEqual(backfill(), 1)
		self.assertEqual(
			frappe.db.get_value("HD Ticket", ticket, ["custom_order_unpaid", "custom_order_last_shipment"]),
			(unpaid, shipment),
		)
		self.assertEqual(
			frappe.db.get_value("Customer Order History Line", {"parent": key}, "delivered_qty"), 3
		)
		self.assertTrue(frappe.db.get_value("Customer Order History", key, "line_digests"))
		# The dialog: a section per order, the tracking number a link
		html = api.get_order_history_html("HD Ticket", ticket)["html"]
		self.assertIn('href="https://www.ups.com/track?tracknum=1Z999AA10123456784"', html)
		self.assertIn(invoice.name, html)
		self.assertIn(f"2 x {ITEM}", html)  # the second delivery's items
		self.assertIn("3 of 4 shipped", html)
		self.assertNotIn("built-in method", html)

		# Paid in full, the last line delivered, then a credit note and a return.
		fx.pay_invoice(frappe.get_doc("Sales Invoice", invoice.name))
		deliver(order, 1)
		data = api.get_order_history("HD Ticket", ticket, 0, 50)["fulfilment"][order.name]
		self.assertEqual((data["outstanding"], data["invoices"][0]["status"]), (0, "Paid"))
		self.assertEqual(data["shipped"], "Fully shipped")

		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
		from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return as make_return_note

		credit = make_sales_return(invoice.name)
		credit.items[0].qty = -1
		credit.insert(ignore_permissions=True)
		credit.submit()
		returned = make_return_note(first.name)
		returned.insert(ignore_permissions=True)
		returned.submit()
		data = api.get_order_history("HD Ticket", ticket, 0, 50)["fulfilment"][order.name]
		self.assertEqual(
			sorted((r["doctype"], r["name"], r["qty"]) for r in data["returns"]),
			sorted([("Sales Invoice", credit.name, 1), ("Delivery Note", returned.name, 1)]),
		)
		self.assertIn("Returns", api.get_order_history_html("HD Ticket", ticket)["html"])

	def test_fixed_number_of_queries_whatever_the_documents(self):
		orders = []
		for _n in range(2):
			_customer, order, _ticket = self.order_with_ticket(qty=2)
			fx.invoice_order(order)
			deliver(order, 1)
			orders.append(order.name)
		with count_queries() as few:
			fulfilment_of(orders[:1])
		with count_queries() as many:
			fulfilment_of(orders)
		self.assertEqual(few["queries"], many["queries"])


class TestSidePanelRows(OrderHistoryTestCase):
	def test_the_orders_section_as_first_installed_gets_the_short_rows(self):
		import json

		from crm_order_extension.orders import crm_layout

		name = frappe.db.get_value("CRM Fields Layout", {"dt": "CRM Lead", "type": "Side Panel"})
		self.assertTrue(name, "CRM's side panel layout of leads")
		original = frappe.db.get_value("CRM Fields Layout", name, "layout")
		self.addCleanup(
			frappe.db.set_value, "CRM Fields Layout", name, "layout", original, update_modified=False
		)

		def ours(layout):
			return next(s for s in crm_layout._sections(layout) if s.get("name") == crm_layout.SECTION_NAME)

		def set_fields(fields):
			layout = json.loads(original)
			ours(layout)["columns"] = [{"name": "coe_orders_column", "fields": list(fields)}]
			frappe.db.set_value(
				"CRM Fields Layout", name, "layout", json.dumps(layout), update_modified=False
			)

		def fields():
			return ours(json.loads(frappe.db.get_value("CRM Fields Layout", name, "layout")))["columns"][0][
				"fields"
			]

		set_fields(crm_layout.OLD_FIELDS)
		crm_layout.replace_old_rows()
		self.assertEqual(fields(), list(crm_layout.FIELDS))
		# An arrangement an admin made stays.
		arranged = ["custom_next_ship_date", "custom_order_summary"]
		set_fields(arranged)
		crm_layout.replace_old_rows()
		self.assertEqual(fields(), arranged)
