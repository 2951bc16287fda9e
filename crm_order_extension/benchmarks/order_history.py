"""Order history sync benchmark: `bench --site SITE crm-orders benchmark [--orders 500 --items 4]`.

Creates (once) a customer with N submitted Sales Orders x M lines and a Work Order per line, then
times in one run (a) the naive algorithm — one query for the orders, one per order for its lines,
one per line for its Work Order, one insert per row — and (b) the app's sync, and prints times,
the ratio and the SQL queries each issued.
"""

import time
from contextlib import contextmanager

import frappe
from frappe.utils import add_days, nowdate

from crm_order_extension.core.production import stage_values
from crm_order_extension.orders.history import (
	HISTORY_FIELD,
	ORDER_FIELDS,
	WORK_ORDER_QUERY_FIELDS,
	fetch_rows,
	replace_rows,
	sync_record,
)
from crm_order_extension.tests import fixtures as fx

CUSTOMER = "COE Benchmark Customer"
EMAIL = "coe-benchmark@example.com"
ITEMS = ("COE-CAKE", "COE-BREAD", "COE-PIE", "COE-TART")
STAGES = ("PENDING", "APPROVED", "BLOCKED")


@contextmanager
def count_queries():
	counter = {"queries": 0}
	original = frappe.db.sql

	def counting_sql(*args, **kwargs):
		counter["queries"] += 1
		return original(*args, **kwargs)

	frappe.db.sql = counting_sql
	try:
		yield counter
	finally:
		frappe.db.sql = original


def ensure_data(orders: int, items: int) -> str:
	fx.ensure_master_data()
	customer = frappe.db.exists("Customer", {"customer_name": CUSTOMER}) or fx.make_customer(CUSTOMER)
	if not frappe.db.exists("Contact Email", {"email_id": EMAIL}):
		fx.make_contact("Bench", EMAIL, customer)
	existing = frappe.db.count("Sales Order", {"customer": customer, "docstatus": 1})
	lines = [(ITEMS[i % len(ITEMS)], 1 + i, 10 + i) for i in range(items)]
	for n in range(existing, orders):
		so = fx.make_sales_order(customer, lines, transaction_date=add_days(nowdate(), -(n % 365)))
		for line in so.items:
			# Work Orders as plain rows: the benchmark measures reading them, not ERPNext's manufacturing.
			frappe.db.bulk_insert(
				"Work Order",
				[
					"name",
					"naming_series",
					"production_item",
					"item_name",
					"bom_no",
					"qty",
					"company",
					"sales_order",
					"sales_order_item",
					"status",
					"docstatus",
					"custom_ops_status",
					"creation",
					"modified",
					"owner",
					"modified_by",
				],
				[
					[
						f"MFG-WO-BENCH-{so.name}-{line.idx}",
						"MFG-WO-.YYYY.-",
						line.item_code,
						line.item_name,
						fx.ensure_bom(line.item_code),
						line.qty,
						so.company,
						so.name,
						line.name,
						"Not Started",
						0,
						STAGES[line.idx % len(STAGES)],
						frappe.utils.now(),
						frappe.utils.now(),
						"Administrator",
						"Administrator",
					]
				],
			)
		if n % 25 == 24:
			frappe.db.commit()
			print(f"  created {n + 1}/{orders} sales orders", flush=True)
	frappe.db.commit()
	lead = frappe.db.get_value("CRM Lead", {"email": EMAIL}) or fx.make_lead("Bench", email=EMAIL).name
	frappe.db.commit()
	return lead


def naive_sync(lead: str, customer: str, limit: int) -> int:
	"""The straightforward per-order / per-line implementation the app replaces."""
	child = "CRM Lead Order Item"
	frappe.db.delete(child, {"parent": lead, "parenttype": "CRM Lead", "parentfield": HISTORY_FIELD})
	orders = frappe.get_all(
		"Sales Order",
		filters={"customer": customer, "docstatus": 1},
		fields=ORDER_FIELDS,
		order_by="transaction_date desc, creation desc",
		limit_page_length=limit,
	)
	idx = 0
	for order in orders:
		lines = frappe.get_all(
			"Sales Order Item",
			filters={"parent": order.name, "parenttype": "Sales Order"},
			fields=["item_code", "item_name", "qty", "rate", "amount", "delivery_date"],
			order_by="idx",
		)
		for line in lines:
			work_order = frappe.get_all(
				"Work Order",
				filters={"sales_order": order.name, "production_item": line.item_code, "docstatus": ("<", 2)},
				fields=WORK_ORDER_QUERY_FIELDS,
				order_by="creation desc",
				limit=1,
			)
			work_order = work_order[0] if work_order else None
			idx += 1
			row = frappe.get_doc(
				{
					"doctype": child,
					"parent": lead,
					"parenttype": "CRM Lead",
					"parentfield": HISTORY_FIELD,
					"idx": idx,
					"sales_order": order.name,
					"transaction_date": order.transaction_date,
					"delivery_date": line.delivery_date or order.delivery_date,
					"order_status": order.status,
					"work_order": work_order.name if work_order else None,
					**{k: line[k] for k in ("item_code", "item_name", "qty", "rate", "amount")},
					**stage_values(work_order),
				}
			)
			row.db_insert()
	return idx


def measure(fn):
	with count_queries() as counter:
		start = time.perf_counter()
		result = fn()
		elapsed = time.perf_counter() - start
	return elapsed, counter["queries"], result


def run(orders: int = 500, items: int = 4):
	print(f"Preparing {orders} submitted Sales Orders x {items} lines with Work Orders ...", flush=True)
	lead = ensure_data(orders, items)
	customer = frappe.db.exists("Customer", {"customer_name": CUSTOMER})
	previous_limit = frappe.db.get_single_value("CRM Order Extension Settings", "max_orders")

	def history_only(limit):
		rows = fetch_rows(customer, limit)
		replace_rows("CRM Lead", lead, rows, {}, force=True)
		return len(rows)

	try:
		frappe.db.set_single_value("CRM Order Extension Settings", "max_orders", orders)
		frappe.db.commit()
		# Warm caches (meta, settings) for every contender alike.
		sync_record("CRM Lead", lead, force=True)
		naive_sync(lead, customer, orders)
		frappe.db.rollback()

		naive_time, naive_queries, naive_rows = measure(lambda: naive_sync(lead, customer, orders))
		frappe.db.rollback()
		ours_time, ours_queries, ours_rows = measure(lambda: history_only(orders))
		frappe.db.rollback()
		full_time, full_queries, result = measure(lambda: sync_record("CRM Lead", lead, force=True))
		frappe.db.commit()
		small_time, small_queries, _small = measure(lambda: history_only(10))
		frappe.db.rollback()
	finally:
		frappe.db.set_single_value("CRM Order Extension Settings", "max_orders", previous_limit)
		frappe.db.commit()

	print(f"orders: {result['count']}  history lines: naive {naive_rows}, ours {ours_rows}")
	print(f"(a) naive baseline          : {naive_time * 1000:9.1f} ms  {naive_queries:6d} SQL queries")
	print(f"(b) ours, fetch + write     : {ours_time * 1000:9.1f} ms  {ours_queries:6d} SQL queries")
	print(f"    ours, 10 orders         : {small_time * 1000:9.1f} ms  {small_queries:6d} SQL queries")
	print(
		f"    ours, full sync_record  : {full_time * 1000:9.1f} ms  {full_queries:6d} SQL queries (incl. customer resolution)"
	)
	print(f"speed-up (a)/(b)            : {naive_time / ours_time:9.1f}x")
	return {
		"naive_ms": naive_time * 1000,
		"ours_ms": ours_time * 1000,
		"ratio": naive_time / ours_time,
		"naive_queries": naive_queries,
		"ours_queries": ours_queries,
		"ours_queries_10_orders": small_queries,
		"full_sync_ms": full_time * 1000,
		"full_sync_queries": full_queries,
	}
