"""Agent actions from an HD Ticket (issue 18) on real documents: the order status goes out through
Helpdesk's own agent reply (a Communication on the ticket, an Email Queue row to the customer with
the tracking link), a return of picked lines is a draft Credit Note (or return Delivery Note) linked
to the ticket for a user allowed to create it, refused with a message for a plain agent; each is
logged in the ticket's Helpdesk activity. Everything stays in the test's transaction."""

import frappe
from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry
from frappe.utils import nowdate

from crm_order_extension.api import ticket_actions as api
from crm_order_extension.orders import ticket_actions
from crm_order_extension.orders.history import sync_record
from crm_order_extension.orders.ticket_actions import EMAIL_TEMPLATE
from crm_order_extension.setup import defaults
from crm_order_extension.tests import fiscal_years
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase
from crm_order_extension.tests.test_sla_notices import email_text

ITEM, OTHER = "COE-BREAD", "COE-PIE"
TRACKING_URL = "https://tracking.example.com/track?awb=1ZCOE42"


def deliver(sales_order, qty: float):
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	note = make_delivery_note(sales_order.name)
	for line in note.items:
		line.qty = qty
	note.insert(ignore_permissions=True)
	note.submit()
	return note


def ship(note):
	"""A Shipment of `note` with the carrier's tracking (the carrier integration's addresses and
	contacts left out)."""
	shipment = frappe.get_doc(
		{
			"doctype": "Shipment",
			"pickup_from_type": "Company",
			"pickup_company": note.company,
			"delivery_to_type": "Customer",
			"delivery_customer": note.customer,
			"value_of_goods": note.grand_total or 1,
			"description_of_content": "Bread",
			"pickup_date": nowdate(),
			"shipment_parcel": [{"length": 10, "width": 10, "height": 10, "weight": 1, "count": 1}],
			"shipment_delivery_note": [{"delivery_note": note.name}],
			"carrier": "UPS",
			"awb_number": "1ZCOE42",
			"tracking_url": TRACKING_URL,
		}
	)
	shipment.flags.ignore_mandatory = True
	shipment.insert(ignore_permissions=True)
	return shipment


def make_user(label: str, roles: list[str]) -> str:
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"coe-actions-{label}-{frappe.generate_hash(length=6)}@example.com",
			"first_name": f"Actions {label}",
			"send_welcome_email": 0,
			"roles": [{"role": role} for role in roles],
		}
	).insert(ignore_permissions=True)
	return user.name


def activity(ticket: str) -> list[str]:
	return frappe.get_all("HD Ticket Activity", filters={"ticket": ticket}, pluck="action")


class TestTicketActions(OrderHistoryTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fiscal_years.cover(cls, nowdate())  # stock, invoices and deliveries are posted today
		fx.ensure_outgoing_email_account()
		for item in (ITEM, OTHER):
			fx.ensure_item(item)
			make_stock_entry(item_code=item, target=fx.warehouse(), qty=100, basic_rate=1, company=fx.COMPANY)
		cls.agent = make_user("agent", ["Agent"])
		cls.returns_user = make_user("returns", ["Agent", "Sales User", "Accounts User"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def ticket_of(self, *lines):
		customer, contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, list(lines))
		ticket = fx.make_ticket(email, contact=contact)
		sync_record("HD Ticket", ticket.name)
		return order, str(ticket.name), email

	def test_order_status_goes_out_as_helpdesk_agent_reply_with_tracking(self):
		order, ticket, email = self.ticket_of((ITEM, 2, 60))
		ship(deliver(order, 2))
		frappe.set_user(self.agent)

		preview = api.preview_order_status(ticket, [order.name])
		self.assertIn(TRACKING_URL, preview["message"])
		self.assertIn(order.name, preview["subject"])
		result = api.send_order_status(ticket, [order.name])

		self.assertEqual(result["orders"], [order.name])
		communication = frappe.get_doc("Communication", result["communication"])
		self.assertEqual(
			(communication.reference_doctype, communication.reference_name, communication.sent_or_received),
			("HD Ticket", ticket, "Sent"),
		)
		self.assertEqual(communication.sender, self.agent)
		self.assertIn(TRACKING_URL, communication.content)
		queued = frappe.get_all(
			"Email Queue",
			filters={
				"reference_doctype": "HD Ticket",
				"reference_name": ticket,
				"communication": communication.name,
			},
			pluck="name",
		)
		self.assertEqual(len(queued), 1)
		recipients = frappe.get_all("Email Queue Recipient", filters={"parent": queued[0]}, pluck="recipient")
		self.assertEqual(recipients, [email])
		self.assertIn(TRACKING_URL, email_text(frappe.db.get_value("Email Queue", queued[0], "message")))
		self.assertTrue(any(order.name in action for action in activity(ticket)))

	def test_order_status_uses_the_admins_template_and_migrate_keeps_it(self):
		order, ticket, _email = self.ticket_of((ITEM, 1, 60))
		template = frappe.get_doc("Email Template", EMAIL_TEMPLATE)
		template.response_html = "Edited: {% for o in orders %}{{ o.name }} {{ o.status }}{% endfor %}"
		template.save(ignore_permissions=True)
		defaults.order_status_email_template()
		ticket_actions.ensure_email_template()
		self.assertEqual(
			api.preview_order_status(ticket, order.name)["message"],
			f"Edited: {order.name} To Deliver and Bill",
		)
		# deleted by an admin: the shipped text renders
		frappe.delete_doc("Email Template", EMAIL_TEMPLATE, ignore_permissions=True)
		defaults.order_status_email_template()
		self.assertFalse(frappe.db.exists("Email Template", EMAIL_TEMPLATE))
		preview = api.preview_order_status(ticket, order.name)
		self.assertIn(f"Order {order.name}</b>", preview["message"])
		self.assertEqual(preview["subject"], f"Status of your order {order.name}")
		ticket_actions.ensure_email_template()  # as a reinstall would

	def test_only_the_tickets_customer_orders_and_agents(self):
		order, ticket, _email = self.ticket_of((ITEM, 1, 60))
		other, _other_ticket, _ = self.ticket_of((ITEM, 1, 60))
		frappe.set_user(self.agent)
		with self.assertRaisesRegex(frappe.ValidationError, "not an order of this ticket's customer"):
			api.send_order_status(ticket, [order.name, other.name])
		with self.assertRaisesRegex(frappe.ValidationError, "Orders is required"):
			api.send_order_status(ticket, [])
		frappe.set_user("Administrator")
		frappe.get_doc("User", self.returns_user).remove_roles("Agent")
		frappe.set_user(self.returns_user)
		with self.assertRaises(frappe.PermissionError):
			api.send_order_status(ticket, [order.name])
		frappe.set_user("Administrator")
		frappe.get_doc("User", self.returns_user).add_roles("Agent")

	def test_return_of_invoiced_lines_is_a_draft_credit_note_linked_to_the_ticket(self):
		order, ticket, _email = self.ticket_of((ITEM, 3, 60), (OTHER, 2, 40))
		invoice = fx.invoice_order(order)
		frappe.set_user(self.returns_user)
		lines = api.get_return_lines(ticket)
		self.assertTrue(lines["can_create"]["Sales Invoice"])
		bread = next(line for line in lines["lines"] if line.item_code == ITEM)
		self.assertEqual(
			(bread.doctype, bread.against, bread.returnable_qty), ("Sales Invoice", invoice.name, 3)
		)

		result = api.start_return(ticket, [{"row": bread.row, "qty": 2}])

		[made] = result["returns"]
		credit = frappe.get_doc("Sales Invoice", made["name"])
		self.assertEqual((credit.docstatus, credit.is_return, credit.return_against), (0, 1, invoice.name))
		self.assertEqual([(i.item_code, i.qty) for i in credit.items], [(ITEM, -2)])
		self.assertEqual(credit.custom_hd_ticket, ticket)
		self.assertEqual(credit.owner, self.returns_user)
		self.assertTrue(any(credit.name in action and invoice.name in action for action in activity(ticket)))
		with self.assertRaisesRegex(frappe.ValidationError, "At most 3"):
			api.start_return(ticket, [{"row": bread.row, "qty": 4}])

	def test_return_of_delivered_lines_not_invoiced_is_a_return_delivery_note(self):
		order, ticket, _email = self.ticket_of((ITEM, 2, 60))
		note = deliver(order, 2)
		frappe.set_user(self.returns_user)
		[line] = api.get_return_lines(ticket)["lines"]
		self.assertEqual((line.doctype, line.against), ("Delivery Note", note.name))
		[made] = api.start_return(ticket, [{"row": line.row, "qty": 1}])["returns"]
		returned = frappe.get_doc("Delivery Note", made["name"])
		self.assertEqual((returned.docstatus, returned.is_return, returned.return_against), (0, 1, note.name))
		self.assertEqual([(i.item_code, i.qty) for i in returned.items], [(ITEM, -1)])
		self.assertEqual(returned.custom_hd_ticket, ticket)

	def test_plain_agent_is_refused_with_the_missing_permission(self):
		order, ticket, _email = self.ticket_of((ITEM, 1, 60))
		fx.invoice_order(order)
		frappe.set_user(self.agent)
		[line] = api.get_return_lines(ticket)["lines"]
		self.assertFalse(api.get_return_lines(ticket)["can_create"]["Sales Invoice"])
		before = frappe.db.count("Sales Invoice", {"custom_hd_ticket": ticket})
		with self.assertRaisesRegex(frappe.PermissionError, "permission to create a Sales Invoice"):
			api.start_return(ticket, [{"row": line.row, "qty": 1}])
		self.assertEqual(frappe.db.count("Sales Invoice", {"custom_hd_ticket": ticket}), before)

	def test_bad_input_is_one_clear_line(self):
		_order, ticket, _email = self.ticket_of((ITEM, 1, 60))
		for lines, message in (
			("not json", "Lines must be a list"),
			([{"row": "x", "qty": -1}], "must be a number above 0"),
			([{"row": "nope", "qty": 1}], "not a returnable line"),
			([], "Choose at least one line"),
		):
			with self.assertRaisesRegex(frappe.ValidationError, message):
				api.start_return(ticket, lines)
