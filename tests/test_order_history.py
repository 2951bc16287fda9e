from datetime import date

from crm_order_extension.core.order_history import (
	ROW_FIELDS,
	build_rows,
	newest_orders,
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
