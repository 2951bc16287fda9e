"""One history per customer (issue 17): an order change computes it once and every lead, deal and
ticket resolved to the customer shows it, whatever their number; the daily refresh recomputes only
the histories the calendar changed.

Tier 2 runs the background jobs inline (crm_order_extension.jobs.running_inline); tier 3 watches
the same on the real worker (tests/e2e/e2e_journeys.py)."""

import frappe
from frappe.utils import add_days, getdate

from crm_order_extension.benchmarks.order_history import count_queries
from crm_order_extension.orders import bulk
from crm_order_extension.orders.history import (
	CUSTOMER_HISTORY,
	CUSTOMER_LINE,
	LINES_FIELD,
	customer_history_name,
	fetch_rows,
	insert_lines,
	max_orders,
	sync_customer_history,
)
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase, history


class TestOneHistoryPerCustomer(OrderHistoryTestCase):
	def records_of(self, email, contact, leads=1, tickets=1):
		return [("CRM Lead", fx.make_lead("Pat", email=email).name) for _ in range(leads)] + [
			("HD Ticket", str(fx.make_ticket(email, contact=contact).name)) for _ in range(tickets)
		]

	def test_an_order_reaches_every_record_of_its_customer_from_one_stored_history(self):
		customer, contact, email = self.customer_with_contact()
		records = self.records_of(email, contact, leads=2, tickets=2)

		order = fx.make_sales_order(customer, [("COE-CAKE", 2, 5), ("COE-BREAD", 1, 4)])

		self.assertEqual(frappe.db.count(CUSTOMER_HISTORY, {"customer": customer}), 1)
		key = customer_history_name(customer)
		self.assertEqual(frappe.db.count(CUSTOMER_LINE, {"parent": key}), 2)
		for doctype, name in records:
			self.assertEqual([r.sales_order for r in history(doctype, name)], [order.name, order.name])
			self.assertEqual(
				frappe.db.get_value(doctype, name, ["custom_order_customer", "custom_open_orders"]),
				(customer, 1),
			)
		# The lines are stored once, under the customer, not copied per record.
		self.assertFalse(frappe.db.exists("CRM Lead Order Item", {"parent": records[0][1]}))
		self.assertFalse(frappe.db.exists("HD Ticket Order Item", {"parent": records[-1][1]}))

	def test_the_cost_of_an_order_change_does_not_grow_with_the_records(self):
		customer, contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		self.records_of(email, contact)
		with count_queries() as few:
			sync_customer_history(customer, force=True)

		self.records_of(email, contact, leads=6, tickets=6)
		with count_queries() as many:
			sync_customer_history(customer, force=True)

		self.assertEqual(many["queries"], few["queries"])
		self.assertEqual(frappe.db.count("CRM Lead", {"custom_order_customer": customer}), 7)

	def test_a_set_based_update_is_not_an_edit(self):
		customer, contact, email = self.customer_with_contact()
		records = self.records_of(email, contact)
		before = {r: frappe.db.get_value(*r, ["modified", "modified_by"]) for r in records}

		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])

		for record in records:
			self.assertEqual(frappe.db.get_value(*record, ["modified", "modified_by"]), before[record])
			self.assertEqual(frappe.db.get_value(*record, "custom_open_orders"), 1)

	def test_a_deal_shows_its_own_draft_orders_first_and_other_records_do_not(self):
		customer, _contact, email = self.customer_with_contact()
		submitted = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		deal = fx.make_deal(custom_erpnext_customer=customer)
		lead_name = fx.make_lead("Pat", email=email).name

		draft = fx.make_sales_order(customer, [("COE-BREAD", 1, 4)], submit=False, custom_crm_deal=deal.name)
		# Deal won -> Sales Order syncs the deal itself (orders/deal_won.py): here its later order change
		fx.make_sales_order(customer, [("COE-CAKE", 3, 5)])

		deal_orders = [r.sales_order for r in history("CRM Deal", deal.name)]
		self.assertEqual(deal_orders[0], draft.name)
		self.assertIn(submitted.name, deal_orders)
		self.assertNotIn(draft.name, [r.sales_order for r in history("CRM Lead", lead_name)])
		self.assertEqual(frappe.db.get_value("CRM Deal", deal.name, "custom_order_customer"), customer)

	def test_paging_runs_across_the_deals_own_rows_and_the_customers(self):
		customer, _contact, _email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5), ("COE-BREAD", 1, 4)])
		deal = fx.make_deal(custom_erpnext_customer=customer)
		fx.make_sales_order(customer, [("COE-BREAD", 1, 4)], submit=False, custom_crm_deal=deal.name)
		fx.make_sales_order(customer, [("COE-CAKE", 2, 5)])

		from crm_order_extension.api.orders import get_order_history

		whole = get_order_history("CRM Deal", deal.name, 0, 500)
		self.assertEqual(whole["total"], 4)
		pages = [get_order_history("CRM Deal", deal.name, start, 1)["rows"] for start in range(4)]
		self.assertEqual([p[0].name for p in pages], [r.name for r in whole["rows"]])
		self.assertEqual(whole["history"], customer_history_name(customer))

	def test_deleting_a_customer_deletes_its_history(self):
		customer, _contact, _email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		key = customer_history_name(customer)
		self.assertTrue(key)
		from crm_order_extension.tests.cleanup import delete_customers

		delete_customers([customer])

		self.assertFalse(frappe.db.exists(CUSTOMER_HISTORY, key))
		self.assertFalse(frappe.db.exists(CUSTOMER_LINE, {"parent": key}))


class TestLineWrites(OrderHistoryTestCase):
	"""An order change writes only the lines that changed (core.order_history.line_changes); the
	stored lines are always exactly the customer's history."""

	def stored(self, customer):
		return frappe.get_all(
			CUSTOMER_LINE,
			filters={"parent": customer_history_name(customer), "parenttype": CUSTOMER_HISTORY},
			fields=["name", "idx", "sales_order", "item_code", "qty"],
			order_by="idx asc",
		)

	def assert_stored_is_the_history(self, customer):
		stored = self.stored(customer)
		rows = fetch_rows(customer, max_orders())
		self.assertEqual(
			[(line.idx, line.sales_order, line.item_code, line.qty) for line in stored],
			[(idx, row["sales_order"], row["item_code"], row["qty"]) for idx, row in enumerate(rows, 1)],
		)
		return stored

	def test_a_new_order_and_a_cancelled_one_write_only_their_lines(self):
		customer, _contact, _email = self.customer_with_contact()
		today = getdate()
		orders = [
			fx.make_sales_order(
				customer, [("COE-CAKE", n + 1, 5), ("COE-PIE", 1, 3)], transaction_date=add_days(today, n - 3)
			)
			for n in range(3)
		]
		before = {line.name: line.idx for line in self.assert_stored_is_the_history(customer)}

		new = fx.make_sales_order(customer, [("COE-BREAD", 1, 4)], transaction_date=today)
		after = self.assert_stored_is_the_history(customer)
		kept = {line.name: line.idx for line in after if line.sales_order != new.name}
		self.assertEqual(kept, {name: idx + 1 for name, idx in before.items()})  # moved, not rewritten

		orders[1].cancel()
		last = self.assert_stored_is_the_history(customer)
		self.assertNotIn(orders[1].name, {line.sales_order for line in last})
		self.assertTrue({line.name for line in last} <= set(kept) | {line.name for line in after})

	def test_a_forced_sync_rewrites_every_line(self):
		customer, _contact, _email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		before = {line.name for line in self.stored(customer)}
		sync_customer_history(customer, force=True)
		self.assertFalse(before & {line.name for line in self.assert_stored_is_the_history(customer)})

	def test_lines_lost_by_hand_are_written_again_on_the_next_change(self):
		customer, _contact, _email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5), ("COE-PIE", 2, 3)])
		frappe.db.delete(CUSTOMER_LINE, {"name": self.stored(customer)[0].name})
		fx.make_sales_order(customer, [("COE-BREAD", 1, 4)])
		self.assertEqual(len(self.assert_stored_is_the_history(customer)), 3)

	def test_a_line_stores_any_value_as_given(self):
		"""insert_lines writes its values as literals: quotes, backslashes, percent signs, newlines,
		non-ASCII text, NULLs, numbers and dates come back as they went in."""
		text = 'O\'Brien "5% off" \\ back\nslash; ünïcode ✓ 😀 `tick` %s %(x)s'
		row = {
			"sales_order": "SO-'%",
			"transaction_date": getdate("2026-02-28"),
			"item_name": text,
			"qty": 2.5,
			"delivered_qty": 0,
			"rate": 0.5,
			"amount": 1234567.125,
			"work_order": None,
		}
		self.addCleanup(frappe.db.delete, CUSTOMER_LINE, {"parent": "COE-LITERAL-TEST"})
		insert_lines(
			CUSTOMER_LINE,
			CUSTOMER_HISTORY,
			"COE-LITERAL-TEST",
			LINES_FIELD,
			[(7, row)],
			frappe.utils.now_datetime(),
		)
		[line] = frappe.get_all(
			CUSTOMER_LINE,
			filters={"parent": "COE-LITERAL-TEST"},
			fields=[
				"idx",
				"sales_order",
				"transaction_date",
				"item_name",
				"qty",
				"delivered_qty",
				"amount",
				"work_order",
			],
		)
		self.assertEqual(
			(
				line.idx,
				line.sales_order,
				line.transaction_date,
				line.item_name,
				line.qty,
				line.amount,
				line.work_order,
			),
			(7, "SO-'%", getdate("2026-02-28"), text, 2.5, 1234567.125, None),
		)


class TestDailyRefresh(OrderHistoryTestCase):
	def test_only_histories_the_calendar_changed_are_recomputed(self):
		due, later = [], []
		for bucket in (due, later):
			customer, _contact, email = self.customer_with_contact()
			order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
			lead = fx.make_lead("Pat", email=email).name
			bucket += [customer, order.name, lead]
		today = getdate()
		frappe.db.set_value(CUSTOMER_HISTORY, customer_history_name(due[0]), "calendar_due", today)
		frappe.db.set_value(
			CUSTOMER_HISTORY, customer_history_name(later[0]), "calendar_due", add_days(today, 3)
		)
		# Something only a recompute shows (as if the calendar had moved it).
		for _customer, order, _lead in (due, later):
			frappe.db.set_value("Sales Order Item", {"parent": order}, "item_name", "Renamed cake")

		bulk.refresh_open_histories(commit=False)

		self.assertEqual(history("CRM Lead", due[2])[0].item_name, "Renamed cake")
		self.assertNotEqual(history("CRM Lead", later[2])[0].item_name, "Renamed cake")
		self.assertGreater(
			getdate(frappe.db.get_value(CUSTOMER_HISTORY, customer_history_name(due[0]), "calendar_due")),
			today,
		)

	def test_a_history_stores_the_first_day_the_calendar_changes_it(self):
		customer, _contact, _email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		due = frappe.db.get_value(CUSTOMER_HISTORY, customer_history_name(customer), "calendar_due")
		# At the latest the day after the promised delivery date, when the line turns late.
		self.assertTrue(due)
		self.assertGreater(getdate(due), getdate())
		self.assertLessEqual(getdate(due), getdate(add_days(order.delivery_date, 1)))


class TestConcurrentWorkers(OrderHistoryTestCase):
	def test_four_workers_syncing_one_customer_never_wait_out_a_lock(self):
		"""Four workers at once, as a Black-Friday import would keep them: order changes of two
		customers, background re-resolutions of their leads and tickets, and an agent's Fetch, in
		different orders. Every path locks the customer's history before its records, and jobs read
		committed data, so none deadlocks or waits out a lock (5 s here instead of MariaDB's 50)."""
		import itertools
		import threading

		from crm_order_extension.orders.history import sync_record
		from crm_order_extension.orders.sync import sync_customer, sync_record_job
		from crm_order_extension.tests.concurrency import run_concurrently

		first, first_contact, first_email = self.customer_with_contact()
		second, second_contact, second_email = self.customer_with_contact()
		fx.make_sales_order(first, [("COE-CAKE", 1, 5), ("COE-BREAD", 2, 4)])
		fx.make_sales_order(second, [("COE-PIE", 1, 5)])
		records = self.records_of_both(first_email, first_contact) + self.records_of_both(
			second_email, second_contact
		)
		frappe.db.commit()  # the workers' connections must see them
		roles = itertools.count()
		role_lock = threading.Lock()

		def worker():
			with role_lock:
				role = next(roles)
			frappe.flags.in_test = False  # a worker: jobs commit and read committed data
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = 5")
			ordered = records if role % 2 else list(reversed(records))
			for _round in range(3):
				sync_customer(first if role < 2 else second)
				for doctype, name in ordered:
					sync_record_job(doctype, name)
				sync_customer(second if role < 2 else first)
				if role == 3:
					sync_record(*ordered[0], force=True)  # an agent's Fetch
					frappe.db.commit()

		errors = run_concurrently(worker, workers=4, timeout=300)

		self.assertEqual(errors, [])
		for customer, lines in ((first, 2), (second, 1)):
			self.assertEqual(frappe.db.count(CUSTOMER_HISTORY, {"customer": customer}), 1)
			self.assertEqual(
				frappe.db.count(CUSTOMER_LINE, {"parent": customer_history_name(customer)}), lines
			)
		for doctype, name in records:
			self.assertEqual(frappe.db.get_value(doctype, name, "custom_open_orders"), 1, (doctype, name))

	def records_of_both(self, email, contact):
		return [
			("CRM Lead", fx.make_lead("Pat", email=email).name),
			("CRM Lead", fx.make_lead("Sam", email=email).name),
			("HD Ticket", str(fx.make_ticket(email, contact=contact).name)),
			("HD Ticket", str(fx.make_ticket(email, contact=contact).name)),
		]
