"""Order history sync benchmark: `bench --site SITE crm-orders benchmark [--orders 500 --items 4]`.

Creates its own customer with N submitted Sales Orders x M lines and a Work Order per line, an
invoice per order (half of them paid), a Delivery Note for every other order and a Credit Note
for every tenth (plain rows, removed again in `finally`; nothing else on the site is touched),
then times in one run (a) the naive algorithm — one query for the orders, one per order for its lines,
one per line for its Work Order, one insert per row — (b) the app's fetch and write of a record's
rows, (c) the customer's whole history with billing, shipping and returns forced to be rewritten,
(d) one order's change and (e) a new order on top of the stored history, and prints times, the
ratios and the SQL queries each issued.
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
	insert_rows,
	replace_rows,
	summary_values,
	sync_customer_history,
	sync_record,
)
from crm_order_extension.testing import records as fx

CUSTOMER = "COE Benchmark Customer"
ITEMS = fx.MANUFACTURED_ITEMS
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


PREFIX = "COE-BENCH-SO-"
COMMON = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
ORDER_COLUMNS = [
	*COMMON,
	"customer",
	"customer_name",
	"company",
	"transaction_date",
	"delivery_date",
	"status",
	"currency",
]
ITEM_COLUMNS = [
	*COMMON, "parent", "parenttype", "parentfield", "idx", "item_code", "item_name", "qty", "rate", "amount",
	"delivery_date",
]  # fmt: skip


def _rows(doctype: str, fields: list[str], rows: list[tuple]) -> None:
	if rows:
		insert_rows(doctype, fields, rows)


def make_data(orders: int, items: int) -> tuple[str, str]:
	"""The benchmark's own customer, contact and lead, and N submitted orders x M lines with a Work
	Order each, as plain rows: the benchmark measures reading them, and plain rows touch no stock
	figures (Bins), so removing them leaves the site exactly as it was."""
	fx.ensure_master_data()
	suffix = frappe.generate_hash(length=6)
	customer = fx.make_customer(f"{CUSTOMER} {suffix}")
	email = f"coe-benchmark-{suffix}@example.com"
	fx.make_contact("Bench", email, customer)
	now = frappe.utils.now()
	boms = {code: fx.ensure_bom(code) for code in ITEMS}
	order_rows, item_rows, work_orders = [], [], []
	for n in range(orders):
		so = f"{PREFIX}{suffix}-{n:05d}"
		date = add_days(nowdate(), -(n % 365))
		order_rows.append(
			(
				so,
				now,
				now,
				"Administrator",
				"Administrator",
				1,
				customer,
				customer,
				fx.COMPANY,
				date,
				add_days(date, 10),
				"To Deliver and Bill",
				fx.CURRENCY,
			)
		)
		for i in range(items):
			item, line = ITEMS[i % len(ITEMS)], f"{so}-{i + 1}"
			item_rows.append(
				(
					line,
					now,
					now,
					"Administrator",
					"Administrator",
					1,
					so,
					"Sales Order",
					"items",
					i + 1,
					item,
					item,
					1 + i,
					10 + i,
					(1 + i) * (10 + i),
					add_days(date, 10),
				)
			)
			work_orders.append(
				(
					f"MFG-WO-BENCH-{so}-{i + 1}",
					now,
					now,
					"Administrator",
					"Administrator",
					0,
					"MFG-WO-.YYYY.-",
					item,
					item,
					boms[item],
					1 + i,
					fx.COMPANY,
					so,
					line,
					"Not Started",
					STAGES[(i + 1) % len(STAGES)],
				)
			)
	_rows("Sales Order", ORDER_COLUMNS, order_rows)
	_rows("Sales Order Item", ITEM_COLUMNS, item_rows)
	_rows(
		"Work Order",
		[
			*COMMON,
			"naming_series",
			"production_item",
			"item_name",
			"bom_no",
			"qty",
			"company",
			"sales_order",
			"sales_order_item",
			"status",
			"custom_ops_status",
		],
		work_orders,
	)
	make_billing_and_shipping(customer, order_rows, item_rows)
	lead = fx.make_lead("Bench", email=email).name
	frappe.db.commit()
	return customer, lead


INVOICE_PREFIX, DELIVERY_PREFIX = "COE-BENCH-SI-", "COE-BENCH-DN-"


def _child_line(parent: str, doctype: str, base: tuple, so: str, line: tuple, sign: int = 1) -> tuple:
	"""An invoice's or delivery's line for an order line (`line`: a Sales Order Item row of make_data,
	whose idx, item, qty and amount it copies; `sign` -1 for a credit note's)."""
	idx = line[9] if sign == 1 else 1
	return (
		f"{parent}-{idx}",
		*base,
		parent,
		doctype,
		"items",
		idx,
		line[10],
		sign * line[12],
		sign * line[14],
		so,
		line[0],
	)


def make_billing_and_shipping(customer: str, order_rows: list[tuple], item_rows: list[tuple]) -> None:
	"""What quote to cash reads beside each order (issue 18), as plain rows: an invoice per order
	(every other one paid), a Delivery Note with carrier and tracking for every other order, and a
	Credit Note of one line for every tenth."""
	now = frappe.utils.now()
	lines_of = {}
	for row in item_rows:
		lines_of.setdefault(row[6], []).append(row)
	invoices, invoice_items, notes, note_items = [], [], [], []
	base = (now, now, "Administrator", "Administrator", 1)
	for n, order in enumerate(order_rows):
		so, date, lines = order[0], order[9], lines_of[order[0]]
		total = sum(line[14] for line in lines)
		invoice = f"{INVOICE_PREFIX}{so}"
		paid = n % 2 == 0
		invoices.append(
			(
				invoice,
				*base,
				customer,
				fx.COMPANY,
				date,
				add_days(date, 30),
				"Paid" if paid else "Unpaid",
				total,
				0 if paid else total,
				fx.CURRENCY,
				0,
			)
		)
		invoice_items += [_child_line(invoice, "Sales Invoice", base, so, line) for line in lines]
		if n % 10 == 0:
			credit = f"{INVOICE_PREFIX}CN-{so}"
			invoices.append(
				(credit, *base, customer, fx.COMPANY, date, date, "Return", -lines[0][14], 0, fx.CURRENCY, 1)
			)
			invoice_items.append(_child_line(credit, "Sales Invoice", base, so, lines[0], sign=-1))
		if n % 2 == 0:
			note = f"{DELIVERY_PREFIX}{so}"
			notes.append((note, *base, customer, fx.COMPANY, date, "Completed", 0, "UPS", f"1Z{n:010d}"))
			note_items += [_child_line(note, "Delivery Note", base, so, line) for line in lines]

	child = [*COMMON, "parent", "parenttype", "parentfield", "idx", "item_code", "qty", "amount"]
	_rows(
		"Sales Invoice",
		[
			*COMMON,
			"customer",
			"company",
			"posting_date",
			"due_date",
			"status",
			"grand_total",
			"outstanding_amount",
			"currency",
			"is_return",
		],
		invoices,
	)
	_rows("Sales Invoice Item", [*child, "sales_order", "so_detail"], invoice_items)
	_rows(
		"Delivery Note",
		[*COMMON, "customer", "company", "posting_date", "status", "is_return", "transporter_name", "lr_no"],
		notes,
	)
	_rows("Delivery Note Item", [*child, "against_sales_order", "so_detail"], note_items)


def add_order(customer: str, items: int, run: int) -> None:
	"""A new submitted order of `items` lines on top of the customer's history, as plain rows (the
	caller rolls it back)."""
	now = frappe.utils.now()
	so = f"{PREFIX}NEW-{frappe.generate_hash(length=6)}-{run}"
	base = (now, now, "Administrator", "Administrator", 1)
	day, ships = add_days(nowdate(), 1), add_days(nowdate(), 11)
	order = (so, *base, customer, customer, fx.COMPANY, day, ships, "To Deliver and Bill", fx.CURRENCY)
	lines = [
		(
			f"{so}-{i + 1}",
			*base,
			so,
			"Sales Order",
			"items",
			i + 1,
			*[ITEMS[i % len(ITEMS)]] * 2,
			1,
			10,
			10,
			ships,
		)
		for i in range(items)
	]
	_rows("Sales Order", ORDER_COLUMNS, [order])
	_rows("Sales Order Item", ITEM_COLUMNS, lines)


def remove_data(customer: str | None, lead: str | None) -> None:
	"""Everything make_data made, and nothing else."""
	frappe.db.rollback()
	orders = frappe.get_all(
		"Sales Order", filters={"name": ("like", f"{PREFIX}%"), "customer": customer}, pluck="name"
	)
	for start in range(0, len(orders), 1000):
		chunk = orders[start : start + 1000]
		frappe.db.delete("Work Order", {"sales_order": ("in", chunk), "name": ("like", "MFG-WO-BENCH-%")})
		frappe.db.delete("Sales Order Item", {"parent": ("in", chunk), "parenttype": "Sales Order"})
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("like", f"{INVOICE_PREFIX}%"), "customer": customer},
			pluck="name",
		)
		notes = [f"{DELIVERY_PREFIX}{so}" for so in chunk]
		if invoices:
			frappe.db.delete(
				"Sales Invoice Item", {"parent": ("in", invoices), "parenttype": "Sales Invoice"}
			)
			frappe.db.delete("Sales Invoice", {"name": ("in", invoices)})
		frappe.db.delete("Delivery Note Item", {"parent": ("in", notes), "parenttype": "Delivery Note"})
		frappe.db.delete("Delivery Note", {"name": ("in", notes)})
		frappe.db.delete("Sales Order", {"name": ("in", chunk)})
	if lead and frappe.db.exists("CRM Lead", lead):
		frappe.delete_doc("CRM Lead", lead, force=True, ignore_permissions=True, delete_permanently=True)
	if customer:
		for contact in frappe.get_all(
			"Dynamic Link",
			filters={"link_doctype": "Customer", "link_name": customer, "parenttype": "Contact"},
			pluck="parent",
		):
			frappe.delete_doc(
				"Contact", contact, force=True, ignore_permissions=True, delete_permanently=True
			)
		if frappe.db.exists("Customer", customer):
			frappe.delete_doc(
				"Customer", customer, force=True, ignore_permissions=True, delete_permanently=True
			)
	frappe.db.commit()


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


def best_of_interleaved(first, second, runs: int = 7) -> tuple[float, float]:
	"""The fastest of `runs` timings of each, alternating so that warm-up and the machine's drift
	fall on both alike; each run in a transaction of its own."""
	times = ([], [])
	for _ in range(runs):
		for fn, bucket in ((first, times[0]), (second, times[1])):
			bucket.append(measure(fn)[0])
			frappe.db.rollback()
	return min(times[0]), min(times[1])


def run(orders: int = 500, items: int = 4):
	print(f"Preparing {orders} submitted Sales Orders x {items} lines with Work Orders ...", flush=True)
	customer = lead = None
	previous_limit = frappe.db.get_single_value("CRM Order Extension Settings", "max_orders")

	def history_only(limit):
		rows = fetch_rows(customer, limit)
		replace_rows("CRM Lead", lead, rows, {}, force=True)
		return len(rows)

	def without_ship_dates(limit):
		rows = fetch_rows(customer, limit, ship=False)
		replace_rows("CRM Lead", lead, rows, {}, force=True)
		return len(rows)

	def with_ship_dates(limit):
		rows = fetch_rows(customer, limit)
		replace_rows("CRM Lead", lead, rows, summary_values(rows), force=True)
		return len(rows)

	try:
		customer, lead = make_data(orders, items)
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
		frappe.db.rollback()
		# One order change now: the customer's history with billing, shipping and returns, written
		# once for all its records (best of 3).
		customer_runs = []
		for _run in range(3):
			customer_runs.append(measure(lambda: sync_customer_history(customer, force=True)))
			frappe.db.rollback()
		customer_time, customer_queries, _history = min(customer_runs, key=lambda run: run[0])
		# The same event as it happens: the history is stored, then one order changes (its status) or
		# a new order arrives on top; only that order's lines are written (best of 3 each).
		sync_customer_history(customer, force=True)
		frappe.db.commit()
		changed_runs, new_order_runs = [], []
		newest = frappe.get_all(
			"Sales Order",
			filters={"customer": customer, "docstatus": 1},
			order_by="transaction_date desc, creation desc",
			limit=1,
			pluck="name",
		)[0]
		for run in range(3):
			frappe.db.set_value("Sales Order", newest, "status", "To Bill", update_modified=False)
			changed_runs.append(measure(lambda: sync_customer_history(customer)))
			frappe.db.rollback()
			add_order(customer, items, run)
			new_order_runs.append(measure(lambda: sync_customer_history(customer)))
			frappe.db.rollback()
		change_time, change_queries, _history = min(changed_runs, key=lambda run: run[0])
		arrival_time, arrival_queries, _history = min(new_order_runs, key=lambda run: run[0])
		small_time, small_queries, _small = measure(lambda: history_only(10))
		frappe.db.rollback()
		# What ship dates and the summary add (issue 11: at most 20 %), best of 5 each.
		plain, shipped = best_of_interleaved(
			lambda: without_ship_dates(orders), lambda: with_ship_dates(orders)
		)
	finally:
		frappe.db.rollback()
		frappe.db.set_single_value("CRM Order Extension Settings", "max_orders", previous_limit)
		frappe.db.commit()
		remove_data(customer, lead)

	print(f"orders: {result['count']}  history lines: naive {naive_rows}, ours {ours_rows}")
	print(f"(a) naive baseline          : {naive_time * 1000:9.1f} ms  {naive_queries:6d} SQL queries")
	print(f"(b) ours, fetch + write     : {ours_time * 1000:9.1f} ms  {ours_queries:6d} SQL queries")
	print(f"    ours, 10 orders         : {small_time * 1000:9.1f} ms  {small_queries:6d} SQL queries")
	print(
		f"    ours, full sync_record  : {full_time * 1000:9.1f} ms  {full_queries:6d} SQL queries (incl. customer resolution)"
	)
	print(
		f"(c) whole history, forced  : {customer_time * 1000:9.1f} ms  {customer_queries:6d} SQL queries "
		"(history + invoices, deliveries, returns, header; every line rewritten)"
	)
	print(
		f"(d) one order's status     : {change_time * 1000:9.1f} ms  {change_queries:6d} SQL queries "
		"(stored history; only that order's lines rewritten)"
	)
	print(
		f"(e) a new order on top     : {arrival_time * 1000:9.1f} ms  {arrival_queries:6d} SQL queries "
		"(its lines inserted, the others moved by one statement)"
	)
	print(f"speed-up (a)/(b)            : {naive_time / ours_time:9.1f}x")
	print(
		f"(c)/(b), (d)/(b), (e)/(b)   : {customer_time / ours_time:9.2f}x {change_time / ours_time:.2f}x "
		f"{arrival_time / ours_time:.2f}x (issue 18: within 1.5x)"
	)
	print(
		f"ship dates + summary        : {plain * 1000:9.1f} ms without, {shipped * 1000:.1f} ms with "
		f"(+{(shipped / plain - 1) * 100:.1f} %)"
	)
	return {
		"naive_ms": naive_time * 1000,
		"ours_ms": ours_time * 1000,
		"ratio": naive_time / ours_time,
		"naive_queries": naive_queries,
		"ours_queries": ours_queries,
		"ours_queries_10_orders": small_queries,
		"full_sync_ms": full_time * 1000,
		"full_sync_queries": full_queries,
		"customer_history_ms": customer_time * 1000,
		"customer_history_queries": customer_queries,
		"order_change_ms": change_time * 1000,
		"order_change_queries": change_queries,
		"new_order_ms": arrival_time * 1000,
		"new_order_queries": arrival_queries,
		"ship_dates_overhead_pct": (shipped / plain - 1) * 100,
	}
