import random
from datetime import date

from crm_order_extension.core.order_history import (
	ROW_FIELDS,
	build_rows,
	history_signature,
	line_changes,
	newest_orders,
	order_digests,
	page,
	signature,
)


def order(name, day, creation="2026-01-01 00:00:00", status="To Deliver and Bill"):
	return {
		"name": name,
		"transaction_date": date(2026, 1, day),
		"delivery_date": date(2026, 2, day),
		"status": status,
		"creation": creation,
	}


def line(parent, name, idx, item, qty=2, rate=5.0):
	return {
		"parent": parent,
		"name": name,
		"idx": idx,
		"item_code": item,
		"item_name": item.title(),
		"qty": qty,
		"rate": rate,
		"amount": qty * rate,
		"delivery_date": None,
	}


def wo(name, so, item, creation, so_item=None, **stages):
	return {
		"name": name,
		"sales_order": so,
		"sales_order_item": so_item,
		"production_item": item,
		"creation": creation,
		"docstatus": 1,
		"status": "Not Started",
		**stages,
	}


def test_rows_are_newest_order_first_lines_in_order_with_line_amounts():
	orders = [order("SO-1", 1), order("SO-2", 3), order("SO-3", 2)]
	items = [
		line("SO-1", "a", 1, "cake"),
		line("SO-2", "c", 2, "bread", 3, 4.0),
		line("SO-2", "b", 1, "cake"),
	]
	rows = build_rows(orders, items, [])
	assert [(r["sales_order"], r["item_code"]) for r in rows] == [
		("SO-2", "cake"),
		("SO-2", "bread"),
		("SO-1", "cake"),
	]
	assert rows[1]["amount"] == 12.0
	assert rows[0]["delivery_date"] == date(2026, 2, 3)
	assert set(rows[0]) == set(ROW_FIELDS)


def test_same_day_orders_sort_by_creation_and_limit_counts_orders_not_lines():
	orders = [
		order("SO-A", 5, "2026-01-05 09:00:00"),
		order("SO-B", 5, "2026-01-05 10:00:00"),
		order("SO-C", 1),
	]
	assert [o["name"] for o in newest_orders(orders, 2)] == ["SO-B", "SO-A"]
	items = [
		line("SO-A", "1", 1, "x"),
		line("SO-A", "2", 2, "y"),
		line("SO-B", "3", 1, "x"),
		line("SO-C", "4", 1, "x"),
	]
	rows = build_rows(orders, items, [], limit=2)
	assert [r["sales_order"] for r in rows] == ["SO-B", "SO-A", "SO-A"]


def test_latest_work_order_wins_and_cancelled_ones_are_ignored():
	orders = [order("SO-1", 1)]
	items = [line("SO-1", "l1", 1, "cake")]
	work_orders = [
		wo("WO-1", "SO-1", "cake", "2026-01-01 10:00:00", custom_ops_status="BLOCKED"),
		wo("WO-2", "SO-1", "cake", "2026-01-02 10:00:00", custom_ops_status="APPROVED"),
		{**wo("WO-3", "SO-1", "cake", "2026-01-03 10:00:00", custom_ops_status="BLOCKED"), "docstatus": 2},
	]
	row = build_rows(orders, items, work_orders)[0]
	assert row["work_order"] == "WO-2"
	assert row["ops_status"] == "APPROVED"
	assert row["qa_status"] == "AWAITING"


def test_line_specific_work_order_beats_item_match_for_repeated_items():
	orders = [order("SO-1", 1)]
	items = [line("SO-1", "l1", 1, "cake"), line("SO-1", "l2", 2, "cake")]
	work_orders = [
		wo("WO-1", "SO-1", "cake", "2026-01-01", so_item="l1"),
		wo("WO-2", "SO-1", "cake", "2026-01-02", so_item="l2"),
	]
	rows = build_rows(orders, items, work_orders)
	assert [r["work_order"] for r in rows] == ["WO-1", "WO-2"]


def test_no_work_order_gives_defaults():
	row = build_rows([order("SO-1", 1)], [line("SO-1", "l1", 1, "cake")], [])[0]
	assert row["work_order"] is None
	assert (row["ops_status"], row["material_status"], row["production_status"], row["qa_status"]) == (
		"PENDING",
		"PENDING",
		"PENDING",
		"AWAITING",
	)


def test_inter_company_chain_finds_work_order_of_producing_company():
	orders = [order("SO-CUST", 1)]
	items = [line("SO-CUST", "l1", 1, "cake"), line("SO-CUST", "l2", 2, "bread")]
	work_orders = [
		wo("WO-P", "SO-PROD", "cake", "2026-01-02", custom_production_status="DONE"),
		wo("WO-Q", "SO-DEEP", "bread", "2026-01-02", custom_qa_status="APPROVED"),
	]
	downstream = {"SO-CUST": ["SO-PROD"], "SO-PROD": ["SO-DEEP"], "SO-DEEP": ["SO-CUST"]}
	rows = build_rows(orders, items, work_orders, downstream)
	assert rows[0]["work_order"] == "WO-P"
	assert rows[0]["production_status"] == "DONE"
	assert rows[1]["work_order"] == "WO-Q"
	assert rows[1]["qa_status"] == "APPROVED"


def test_inter_company_chain_loop_terminates_without_work_order():
	downstream = {"SO-1": ["SO-2"], "SO-2": ["SO-1"]}
	row = build_rows([order("SO-1", 1)], [line("SO-1", "l1", 1, "cake")], [], downstream)[0]
	assert row["work_order"] is None


def test_signature_is_stable_and_detects_changes():
	rows = build_rows([order("SO-1", 1)], [line("SO-1", "l1", 1, "cake")], [])
	same = build_rows([order("SO-1", 1)], [line("SO-1", "l1", 1, "cake")], [])
	assert signature(rows) == signature(same)
	changed = [dict(rows[0], qty=3)]
	assert signature(rows) != signature(changed)
	assert signature([dict(rows[0], work_order="")]) == signature(rows)


def test_page():
	rows = list(range(10))
	assert page(rows, 0, 3) == [0, 1, 2]
	assert page(rows, 8, 5) == [8, 9]
	assert page(rows, -4, 2) == [0, 1]
	assert page(rows, 7, 0) == [7, 8, 9]


def history(*orders):
	"""History rows: (order, [qty per line]) newest first."""
	return [
		{"sales_order": so, "item_code": f"item-{n}", "qty": qty}
		for so, qtys in orders
		for n, qty in enumerate(qtys)
	]


def apply(stored_lines, changes):
	"""What orders/history.apply_line_changes does to a parent's lines, on a list of (idx, row)."""
	if changes.rewrite:
		stored_lines = []
	stored_lines = [(idx, row) for idx, row in stored_lines if row["sales_order"] not in changes.delete]
	moved = {so: delta for delta, orders in changes.shifts.items() for so in orders}
	stored_lines = [(idx + moved.get(row["sales_order"], 0), row) for idx, row in stored_lines]
	return sorted(stored_lines + list(changes.insert), key=lambda line: line[0])


def test_a_new_order_on_top_writes_its_lines_and_one_shift():
	old = history(("SO-2", [1, 2]), ("SO-1", [3]))
	new = history(("SO-3", [5, 5, 5]), ("SO-2", [1, 2]), ("SO-1", [3]))
	changes = line_changes(order_digests(old), new)
	assert not changes.rewrite
	assert changes.delete == []
	assert [(idx, row["sales_order"]) for idx, row in changes.insert] == [
		(1, "SO-3"),
		(2, "SO-3"),
		(3, "SO-3"),
	]
	assert changes.shifts == {3: ["SO-2", "SO-1"]}
	assert apply(list(enumerate(old, 1)), changes) == list(enumerate(new, 1))


def test_one_changed_order_rewrites_only_its_lines():
	old = history(("SO-3", [1]), ("SO-2", [1, 2]), ("SO-1", [3]))
	new = history(("SO-3", [1]), ("SO-2", [1, 4]), ("SO-1", [3]))
	changes = line_changes(order_digests(old), new)
	assert (changes.delete, changes.shifts) == (["SO-2"], {})
	assert [idx for idx, _row in changes.insert] == [2, 3]
	# Nothing changed: nothing is written.
	same = line_changes(order_digests(new), new)
	assert (same.rewrite, same.delete, same.insert, same.shifts) == (False, [], [], {})


def test_force_unknown_digests_or_scattered_orders_rewrite_everything():
	rows = history(("SO-2", [1]), ("SO-1", [1]))
	assert line_changes(order_digests(rows), rows, force=True).rewrite
	assert line_changes(None, rows).rewrite
	scattered = [*rows, {"sales_order": "SO-2", "item_code": "x", "qty": 1}]
	assert order_digests(scattered) is None
	assert line_changes(order_digests(rows), scattered).rewrite


def test_line_changes_always_end_on_the_new_rows():
	"""Against a brute force: any sequence of histories (orders added on top, changed, dropped at the
	limit or cancelled anywhere), the stored lines after each write are exactly the new rows."""
	rng = random.Random(18)
	for _trial in range(200):
		orders = [
			(f"SO-{n}", [rng.randint(1, 3) for _ in range(rng.randint(1, 4))])
			for n in range(rng.randint(0, 6))
		]
		stored = list(enumerate(history(*orders), 1))
		digests = order_digests(history(*orders))
		next_id = 100
		for _step in range(6):
			action = rng.choice(("add", "change", "drop", "cancel", "none"))
			if action == "add":
				orders.insert(0, (f"SO-{next_id}", [rng.randint(1, 3)]))
				next_id += 1
			elif orders and action == "change":
				k = rng.randrange(len(orders))
				orders[k] = (orders[k][0], [*orders[k][1][:-1], orders[k][1][-1] + 1])
			elif orders and action == "drop":
				orders.pop()
			elif orders and action == "cancel":
				orders.pop(rng.randrange(len(orders)))
			rows = history(*orders)
			changes = line_changes(digests, rows)
			stored = apply(stored, changes)
			assert stored == list(enumerate(rows, 1))
			digests = changes.digests


def test_history_signature_follows_orders_and_billing():
	rows = history(("SO-2", [1]), ("SO-1", [1]))
	digests = order_digests(rows)
	assert history_signature(digests, "{}") == history_signature(
		order_digests(history(("SO-2", [1]), ("SO-1", [1]))), "{}"
	)
	assert history_signature(digests, "{}") != history_signature(digests, '{"paid": 1}')
	assert history_signature(digests, "{}") != history_signature(
		order_digests(history(("SO-1", [1]), ("SO-2", [1]))), "{}"
	)
