"""Order summary and ship dates on real ERPNext data (issue 11): stored with the history, counted
in the summary, listed by the Late Order Lines report, announced to open pages."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension.api import orders as api
from crm_order_extension.orders.history import HISTORY_CHANGED, customer_history_name, sync_record
from crm_order_extension.tests import fiscal_years
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase, history


def rows_by_item(doctype: str, name: str) -> dict:
	return {row.item_code: row for row in history(doctype, name)}


class TestShipDatesAndSummary(OrderHistoryTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fiscal_years.cover(cls, nowdate())  # a stock entry is posted today

	def late_order(self, customer):
		"""An order due in 3 days whose Work Order was to start 2 days ago and has not."""
		so = fx.make_sales_order(
			customer,
			[("COE-CAKE", 1, 5)],
			transaction_date=add_days(nowdate(), -5),
			delivery_date=add_days(nowdate(), 3),
		)
		so.items[0].db_set("delivery_date", add_days(nowdate(), 3))
		work_order = fx.make_work_order(so, "COE-CAKE", submit=True)
		work_order.db_set(
			{
				"planned_start_date": f"{add_days(nowdate(), -2)} 08:00:00",
				"planned_end_date": f"{add_days(nowdate(), 2)} 17:00:00",
			}
		)
		return so

	def test_lines_get_ship_dates_and_the_record_a_summary(self):
		customer, _contact, email = self.customer_with_contact()
		self.late_order(customer)
		fx.make_sales_order(customer, [("COE-PIE", 2, 5)])  # no Work Order, nothing in stock
		lead = fx.make_lead("Pat", email=email)
		sync_record("CRM Lead", lead.name)

		rows = rows_by_item("CRM Lead", lead.name)
		cake, pie = rows["COE-CAKE"], rows["COE-PIE"]
		# 2 days late to start: planned end (today + 2) + 2 = today + 4, after the delivery date
		self.assertEqual(getdate(cake.expected_ship_date), getdate(add_days(nowdate(), 4)))
		self.assertEqual((cake.ship_status, cake.ship_reason), ("Late", "Work Order not started"))
		self.assertEqual((pie.ship_status, pie.ship_reason), ("At risk", "not in stock and no Work Order"))
		self.assertIsNone(pie.expected_ship_date)

		values = frappe.db.get_value(
			"CRM Lead",
			lead.name,
			["custom_open_orders", "custom_late_lines", "custom_next_ship_date", "custom_order_summary"],
			as_dict=True,
		)
		self.assertEqual((values.custom_open_orders, values.custom_late_lines), (2, 1))
		self.assertEqual(getdate(values.custom_next_ship_date), getdate(add_days(nowdate(), 4)))
		self.assertTrue(values.custom_order_summary.startswith("2 open orders · next ship "), values)
		self.assertIn("1 line late", values.custom_order_summary)
		self.assertIn("QA pending on 1", values.custom_order_summary)

	def test_stock_on_hand_ships_by_the_delivery_date(self):
		customer, _contact, email = self.customer_with_contact()
		from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

		item = fx.ensure_item("COE-BREAD")
		make_stock_entry(item_code=item, target=fx.warehouse(), qty=100, basic_rate=1, company=fx.COMPANY)
		so = fx.make_sales_order(customer, [(item, 2, 5)])
		ticket = fx.make_ticket(email, contact=_contact)
		sync_record("HD Ticket", ticket.name)
		[row] = history("HD Ticket", ticket.name)
		self.assertEqual(
			(row.ship_status, getdate(row.expected_ship_date)), ("On time", getdate(so.delivery_date))
		)

	def test_a_changed_history_is_announced_to_open_pages(self):
		customer, contact, email = self.customer_with_contact()
		ticket = fx.make_ticket(email, contact=contact)
		sync_record("HD Ticket", ticket.name)
		frappe.local._realtime_log = []
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])  # auto-sync runs inline in tests
		events = [(event, message) for event, message, _room in frappe.local._realtime_log]
		self.assertIn(HISTORY_CHANGED, [event for event, _m in events])
		# An order change announces the customer's one history once, by an opaque key (the pages got
		# it with the history), naming neither the customer nor its records, whatever their number.
		[message] = [m for event, m in events if event == HISTORY_CHANGED]
		self.assertEqual(set(message), {"history", "synced_on"})
		self.assertEqual(message["history"], customer_history_name(customer))
		self.assertEqual(api.get_order_history("HD Ticket", ticket.name)["history"], message["history"])
		self.assertEqual([m for event, m in events if event == "helpdesk:ticket-update"], [])

	def test_a_re_resolved_ticket_is_announced_to_its_page(self):
		"""A record's own sync (its insert, an identity change, Fetch) names the record, and for a
		ticket also sends Helpdesk's own update event in its installed version's shape."""
		customer, contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		frappe.local._realtime_log = []
		ticket = fx.make_ticket(email, contact=contact)
		events = [(event, message) for event, message, _room in frappe.local._realtime_log]
		records = [m for event, m in events if event == HISTORY_CHANGED and "name" in m]
		self.assertIn(
			{"doctype": "HD Ticket", "name": str(ticket.name)},
			[{k: m[k] for k in ("doctype", "name")} for m in records],
		)
		self.assertEqual(set(records[-1]), {"doctype", "name", "synced_on"})  # no order data
		updates = [m for event, m in events if event == "helpdesk:ticket-update"]
		self.assertEqual(len(updates), 1, updates)
		update = updates[0]
		self.assertEqual(
			str(update.get("ticket_id") if isinstance(update, dict) else update), str(ticket.name)
		)

	def test_late_order_lines_report(self):
		from frappe.desk.query_report import run

		customer, _contact, _email = self.customer_with_contact()
		so = self.late_order(customer)
		result = run("Late Order Lines", filters={"customer": customer})
		[row] = result["result"]
		self.assertEqual((row["sales_order"], row["ship_status"], row["days_late"]), (so.name, "Late", 1))
		waiting_on_qa = run("Late Order Lines", filters={"customer": customer, "stage": "QA"})["result"]
		self.assertEqual(len(waiting_on_qa), 1)
		approved = frappe.get_doc("Work Order", row["work_order"])
		approved.db_set("custom_qa_status", "APPROVED")
		self.assertEqual(run("Late Order Lines", filters={"customer": customer, "stage": "QA"})["result"], [])
