from datetime import date, datetime

from crm_order_extension.core import deal_quotes as dq

TODAY = date(2030, 3, 10)


def test_quotation_states():
	assert dq.quotation_state("Draft", 0, None, TODAY) == "Draft"
	assert dq.quotation_state("Open", 1, date(2030, 3, 10), TODAY) == "Open"
	assert dq.quotation_state("Replied", 1, None, TODAY) == "Open"
	assert dq.quotation_state("Open", 1, date(2030, 3, 9), TODAY) == "Expired"
	assert dq.quotation_state("Partially Ordered", 1, date(2030, 3, 9), TODAY) == "Ordered"
	assert dq.quotation_state("Ordered", 1, None, TODAY) == "Ordered"
	assert dq.quotation_state("Lost", 1, None, TODAY) == "Lost"
	assert dq.quotation_state("Expired", 1, None, TODAY) == "Expired"
	assert dq.quotation_state("Cancelled", 2, None, TODAY) == "Cancelled"


def test_final_statuses_by_type_else_name():
	assert dq.is_final("Closed Won", "Won")
	assert dq.is_final("Gone", "Lost")
	assert not dq.is_final("Won", "Ongoing")
	assert dq.is_final("Won", None)
	assert not dq.is_final("Negotiation", None)


def test_should_move():
	t0, t1 = datetime(2030, 3, 1, 9), datetime(2030, 3, 1, 10)
	assert dq.should_move("Qualification", False, "Negotiation")
	assert not dq.should_move("Negotiation", False, "Negotiation")
	assert not dq.should_move("Qualification", False, None)
	assert not dq.should_move("Qualification", False, "Negotiation", event_seen=True)
	# a Won the user set, no rule move before: stays
	assert not dq.should_move("Won", True, "Negotiation", current_set_at=t0)
	# the user's Won after the rule's last move: stays
	assert not dq.should_move("Won", True, "Negotiation", current_set_at=t1, last_rule_move_at=t0)
	# the rule's own Won (set at its move): another rule may move on
	assert dq.should_move("Won", True, "Negotiation", current_set_at=t0, last_rule_move_at=t0)
	assert not dq.should_move("Won", True, "Negotiation", current_set_at=None, last_rule_move_at=t0)


def test_orders_paid():
	assert not dq.orders_paid([], [])
	orders = [{"name": "SO-2", "per_billed": 100}, {"name": "SO-1", "per_billed": 100}]
	assert dq.orders_paid(orders, [{"outstanding_amount": 0}, {"outstanding_amount": 0.0}])
	assert not dq.orders_paid(orders, [{"outstanding_amount": 5}])
	assert not dq.orders_paid([{"name": "SO-1", "per_billed": 50}], [{"outstanding_amount": 0}])
	assert dq.paid_event(orders) == "paid:SO-1,SO-2"


def supply(code, qty, on, name, source="Work Order"):
	return dq.Supply(code, qty, on, source, name)


def test_in_stock_ships_today():
	rows = dq.line_stock(
		[{"item_code": "A", "qty": 3}], {"A": {"actual_qty": 5, "projected_qty": 2}}, [], TODAY
	)
	assert (rows[0].ship_date, rows[0].shortfall, rows[0].available, rows[0].projected) == (TODAY, 0, 5, 2)
	assert dq.short_lines(rows) == []


def test_shortfall_covered_by_earliest_supplies_in_date_order():
	supplies = [
		supply("A", 2, date(2030, 3, 20), "PO-1", "Purchase Order"),
		supply("A", 1, date(2030, 3, 15), "WO-1"),
		supply("B", 9, date(2030, 3, 12), "WO-2"),
	]
	rows = dq.line_stock(
		[{"item_code": "A", "qty": 3}, {"item_code": "A", "qty": 2}],
		{"A": {"actual_qty": 2, "projected_qty": 5}},
		supplies,
		TODAY,
	)
	# line 1: 2 in stock, 1 short: WO-1 (15th) covers it
	assert (rows[0].ship_date, rows[0].shortfall, rows[0].source_name) == (date(2030, 3, 15), 1, "WO-1")
	# line 2: nothing left in stock, 2 short: PO-1 (20th)
	assert (rows[1].ship_date, rows[1].source, rows[1].source_name) == (
		date(2030, 3, 20),
		"Purchase Order",
		"PO-1",
	)
	assert len(dq.short_lines(rows)) == 2


def test_uncovered_shortfall_has_no_date_and_past_supply_is_today():
	rows = dq.line_stock(
		[{"item_code": "A", "qty": 4}, {"item_code": "C", "qty": 1}],
		{},
		[supply("A", 1, date(2030, 3, 11), "WO-1"), supply("C", 1, date(2030, 3, 1), "WO-9")],
		TODAY,
	)
	assert (rows[0].ship_date, rows[0].shortfall) == (None, 4)
	assert rows[1].ship_date == TODAY  # a late Work Order ships today at the earliest
