from datetime import date

from crm_order_extension.core import ship_dates as ship

TODAY = date(2026, 12, 1)


def line(**values):
	base = {
		"sales_order": "SO-1",
		"delivery_date": date(2026, 12, 10),
		"order_status": "To Deliver and Bill",
		"qty": 2,
		"delivered_qty": 0,
		"ops_status": "APPROVED",
		"material_status": "IN_STOCK",
		"production_status": "PENDING",
		"qa_status": "AWAITING",
		"work_order": "WO-1",
	}
	base.update(values)
	return base


def wo(**values):
	base = {
		"status": "Not Started",
		"planned_start_date": "2026-12-02 08:00:00",
		"planned_end_date": "2026-12-05",
	}
	base.update(values)
	return base


def test_work_order_on_plan_ships_by_its_planned_end():
	result = ship.expected_ship(line(), wo(), False, TODAY)
	assert result == {
		"expected_ship_date": date(2026, 12, 5),
		"ship_status": ship.ON_TIME,
		"ship_reason": None,
	}


def test_not_started_past_its_planned_start_slips_and_can_be_late():
	result = ship.expected_ship(line(delivery_date=date(2026, 12, 8)), wo(), False, date(2026, 12, 5))
	# three days late to start: planned end 5 Dec + 3 days = 8 Dec, the delivery date itself
	assert result["expected_ship_date"] == date(2026, 12, 8)
	assert result["ship_reason"] == ship.NOT_STARTED
	assert result["ship_status"] == ship.AT_RISK
	later = ship.expected_ship(line(delivery_date=date(2026, 12, 8)), wo(), False, date(2026, 12, 6))
	assert (later["expected_ship_date"], later["ship_status"]) == (date(2026, 12, 9), ship.LATE)


def test_blocked_stages_put_a_line_at_risk_with_their_reasons():
	result = ship.expected_ship(
		line(material_status="OUT_OF_STOCK", qa_status="REJECTED"), wo(status="In Process"), False, TODAY
	)
	assert result["ship_status"] == ship.AT_RISK
	assert result["ship_reason"] == f"{ship.OUT_OF_STOCK}, {ship.QA_REJECTED}"


def test_in_progress_past_its_planned_end_is_behind_plan():
	result = ship.expected_ship(
		line(production_status="IN_PROGRESS"), wo(status="In Process"), False, date(2026, 12, 7)
	)
	assert result["expected_ship_date"] == date(2026, 12, 8)
	assert result["ship_reason"] == ship.BEHIND_PLAN


def test_finished_work_order_ships_now():
	result = ship.expected_ship(
		line(production_status="DONE", qa_status="APPROVED"), wo(status="In Process"), False, TODAY
	)
	assert (result["expected_ship_date"], result["ship_status"]) == (TODAY, ship.ON_TIME)


def test_without_work_order_stock_decides():
	no_wo = line(work_order=None)
	in_stock = ship.expected_ship(no_wo, None, True, TODAY)
	assert (in_stock["expected_ship_date"], in_stock["ship_status"]) == (date(2026, 12, 10), ship.ON_TIME)
	missing = ship.expected_ship(no_wo, None, False, TODAY)
	assert (missing["expected_ship_date"], missing["ship_status"], missing["ship_reason"]) == (
		None,
		ship.AT_RISK,
		ship.NO_STOCK,
	)


def test_past_the_delivery_date_is_late():
	result = ship.expected_ship(line(work_order=None), None, True, date(2026, 12, 11))
	assert (result["ship_status"], result["ship_reason"]) == (ship.LATE, ship.PAST_DELIVERY)


def test_delivered_lines_and_closed_orders_are_shipped():
	assert ship.expected_ship(line(delivered_qty=2), wo(), False, TODAY)["ship_status"] == ship.SHIPPED
	assert (
		ship.expected_ship(line(order_status="Completed"), wo(), False, TODAY)["ship_status"] == ship.SHIPPED
	)


def test_summary_counts_open_orders_next_ship_late_and_qa():
	rows = [
		{**line(sales_order="SO-3"), "ship_status": ship.LATE, "expected_ship_date": date(2026, 12, 12)},
		{**line(sales_order="SO-3"), "ship_status": ship.ON_TIME, "expected_ship_date": date(2026, 12, 3)},
		{
			**line(sales_order="SO-2", work_order=None),
			"ship_status": ship.AT_RISK,
			"expected_ship_date": None,
		},
		{**line(sales_order="SO-1", order_status="Completed"), "ship_status": ship.SHIPPED},
	]
	summary = ship.summarize(rows, TODAY)
	assert summary == {
		"open_orders": 2,
		"next_ship_date": date(2026, 12, 3),
		"late_lines": 1,
		"at_risk_lines": 1,
		"qa_pending": 2,
		"latest_order_status": "To Deliver and Bill",
	}
	assert ship.summary_parts(summary) == [
		("{0} open orders", (2,)),
		("next ship {0}", (date(2026, 12, 3),)),
		("1 line late", ()),
		("QA pending on {0}", (2,)),
	]


def test_summary_of_nothing_open():
	summary = ship.summarize([], TODAY)
	assert summary["open_orders"] == 0 and summary["latest_order_status"] is None
	assert ship.summary_parts(summary) == [("No open orders", ())]


def days_until_change(args, today, horizon=60):
	"""Brute force: the first day within `horizon` on which expected_ship, or the line's place in
	the summary's next ship date, differs from today's."""
	base = ship.expected_ship(*args, today)
	for offset in range(1, horizon):
		day = date.fromordinal(today.toordinal() + offset)
		expected = base["expected_ship_date"]
		if ship.expected_ship(*args, day) != base or (expected and day > expected):
			return day
	return None


def test_calendar_change_is_the_first_day_anything_changes():
	cases = [
		(line(), wo(), False),  # on plan: starts slipping the day after its planned start
		(line(), wo(planned_start_date="2026-11-20", planned_end_date="2026-11-25"), False),  # slipping
		(line(production_status="IN_PROGRESS"), wo(status="In Process"), False),  # behind plan later
		(line(production_status="DONE", qa_status="APPROVED"), wo(status="Completed"), False),  # ships now
		(line(work_order=None), None, True),  # in stock: by its delivery date
		(line(work_order=None), None, False),  # no stock: late the day after delivery
		(line(work_order=None, delivery_date=date(2026, 11, 20)), None, True),  # already late
		(line(delivered_qty=2), wo(), False),  # shipped: never
	]
	for today in (TODAY, date(2026, 12, 3), date(2026, 12, 9), date(2026, 12, 11)):
		for line_, work_order, in_stock in cases:
			args = (line_, work_order, in_stock)
			assert ship.calendar_change(*args, today) == days_until_change(args, today), (args, today)


def test_a_line_that_waits_changes_on_a_known_day():
	assert ship.calendar_change(line(), wo(), False, TODAY) == date(2026, 12, 3)
	assert ship.calendar_change(line(work_order=None), None, True, TODAY) == date(2026, 12, 11)
	assert ship.calendar_change(line(delivered_qty=2), wo(), False, TODAY) is None
