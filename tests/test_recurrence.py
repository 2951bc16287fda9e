from datetime import date

import pytest

from crm_order_extension.core.errors import RuleError
from crm_order_extension.core.recurrence import (
	ANNUAL,
	ANNUAL_REPORT,
	COMPLETED,
	DUE_SOON,
	MONTHLY,
	ONE_TIME,
	OVERDUE,
	QUARTERLY,
	RECURRENCES,
	REGISTERED_AGENT_RENEWAL,
	STATUSES,
	UPCOMING,
	add_months,
	calendar_status,
	first_entries_for_delivery,
	needs_reminder,
	next_due_date,
	nth_due_date,
)


@pytest.mark.parametrize(
	"start, months, expected",
	[
		(date(2023, 1, 31), 1, date(2023, 2, 28)),
		(date(2024, 1, 31), 1, date(2024, 2, 29)),
		(date(2023, 1, 30), 1, date(2023, 2, 28)),
		(date(2023, 1, 29), 1, date(2023, 2, 28)),
		(date(2024, 1, 29), 1, date(2024, 2, 29)),
		(date(2023, 3, 31), 1, date(2023, 4, 30)),
		(date(2023, 2, 28), 1, date(2023, 3, 28)),
		(date(2024, 2, 29), 1, date(2024, 3, 29)),
		(date(2024, 2, 29), 12, date(2025, 2, 28)),
		(date(2024, 2, 29), 48, date(2028, 2, 29)),
		(date(2023, 11, 30), 3, date(2024, 2, 29)),
		(date(2023, 12, 31), 1, date(2024, 1, 31)),
		(date(2023, 12, 15), 1, date(2024, 1, 15)),
		(date(2023, 10, 31), 3, date(2024, 1, 31)),
		(date(2023, 5, 15), 0, date(2023, 5, 15)),
		(date(2023, 3, 31), -1, date(2023, 2, 28)),
		(date(2024, 1, 15), -1, date(2023, 12, 15)),
		(date(2023, 8, 31), 6, date(2024, 2, 29)),
		(date(2023, 1, 1), 25, date(2025, 2, 1)),
	],
)
def test_add_months_clamps_to_the_last_day_of_the_target_month_only(start, months, expected):
	assert add_months(start, months) == expected


def test_century_leap_rules():
	assert add_months(date(2096, 2, 29), 48) == date(2100, 2, 28)
	assert add_months(date(1996, 2, 29), 48) == date(2000, 2, 29)


@pytest.mark.parametrize(
	"recurrence, expected",
	[
		(MONTHLY, date(2024, 2, 29)),
		(QUARTERLY, date(2024, 4, 30)),
		(ANNUAL, date(2025, 1, 31)),
		(ONE_TIME, None),
	],
)
def test_next_due_date(recurrence, expected):
	assert next_due_date(date(2024, 1, 31), recurrence) == expected


@pytest.mark.parametrize("recurrence", ["Weekly", "monthly", "", None])
def test_unknown_recurrence_raises_value_error(recurrence):
	with pytest.raises(ValueError, match="Unknown recurrence") as err:
		next_due_date(date(2024, 1, 1), recurrence)
	assert isinstance(err.value, RuleError)
	assert err.value.args[1] == ", ".join(RECURRENCES)
	with pytest.raises(RuleError):
		nth_due_date(date(2024, 1, 1), recurrence, 1)


def test_chaining_next_due_date_drifts_but_nth_due_date_does_not():
	first = date(2023, 1, 31)
	chained = [first]
	for _ in range(3):
		chained.append(next_due_date(chained[-1], MONTHLY))
	assert chained == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 28), date(2023, 4, 28)]
	assert [nth_due_date(first, MONTHLY, n) for n in range(4)] == [
		date(2023, 1, 31),
		date(2023, 2, 28),
		date(2023, 3, 31),
		date(2023, 4, 30),
	]


def test_nth_due_date_annual_from_leap_day_and_one_time():
	assert [nth_due_date(date(2024, 2, 29), ANNUAL, n) for n in (1, 4)] == [
		date(2025, 2, 28),
		date(2028, 2, 29),
	]
	assert nth_due_date(date(2024, 2, 29), QUARTERLY, 2) == date(2024, 8, 29)
	assert nth_due_date(date(2024, 5, 1), ONE_TIME, 0) == date(2024, 5, 1)
	assert nth_due_date(date(2024, 5, 1), ONE_TIME, 1) is None


TODAY = date(2024, 3, 1)


@pytest.mark.parametrize(
	"due, completed, expected",
	[
		(date(2024, 2, 29), False, OVERDUE),  # one day late
		(date(2023, 3, 1), False, OVERDUE),
		(date(2024, 3, 1), False, DUE_SOON),  # due today
		(date(2024, 3, 2), False, DUE_SOON),
		(date(2024, 3, 31), False, DUE_SOON),  # exactly 30 days ahead
		(date(2024, 4, 1), False, UPCOMING),  # 31 days ahead
		(date(2025, 3, 1), False, UPCOMING),
		(date(2024, 2, 1), True, COMPLETED),
		(date(2024, 3, 10), True, COMPLETED),
		(date(2025, 3, 1), True, COMPLETED),
	],
)
def test_calendar_status_buckets(due, completed, expected):
	assert calendar_status(due, TODAY, completed) == expected
	assert expected in STATUSES


def test_due_soon_window_is_configurable():
	assert calendar_status(date(2024, 3, 8), TODAY, False, due_soon_days=7) == DUE_SOON
	assert calendar_status(date(2024, 3, 9), TODAY, False, due_soon_days=7) == UPCOMING
	assert calendar_status(TODAY, TODAY, False, due_soon_days=0) == DUE_SOON
	assert calendar_status(date(2024, 3, 2), TODAY, False, due_soon_days=0) == UPCOMING


@pytest.mark.parametrize(
	"old, new, sent, expected",
	[
		(UPCOMING, DUE_SOON, False, True),
		(None, DUE_SOON, False, True),  # created inside the window
		(OVERDUE, DUE_SOON, False, True),  # due date moved out again: a new occurrence window
		(UPCOMING, DUE_SOON, True, False),  # already reminded
		(DUE_SOON, DUE_SOON, False, False),  # staying in the window is not entering it
		(DUE_SOON, OVERDUE, False, False),
		(UPCOMING, UPCOMING, False, False),
		(DUE_SOON, COMPLETED, False, False),
		(UPCOMING, OVERDUE, False, False),
	],
)
def test_needs_reminder_only_on_entering_due_soon_without_a_reminder(old, new, sent, expected):
	assert needs_reminder(old, new, sent) is expected


def test_daily_job_reminds_exactly_once_per_occurrence():
	due = date(2024, 4, 15)
	status, sent, reminders = None, False, []
	for day in range(1, 30):
		today = date(2024, 3, day)
		new = calendar_status(due, today, completed=False)
		if needs_reminder(status, new, sent):
			reminders.append(today)
			sent = True
		status = new
	assert reminders == [date(2024, 3, 16)]


def test_first_entries_for_delivery_without_registered_agent():
	assert first_entries_for_delivery(date(2024, 6, 10), False) == [
		{"event_type": ANNUAL_REPORT, "due_date": date(2025, 6, 10), "recurrence": ANNUAL}
	]


def test_first_entries_for_delivery_with_registered_agent_on_leap_day():
	assert first_entries_for_delivery(date(2024, 2, 29), True) == [
		{"event_type": ANNUAL_REPORT, "due_date": date(2025, 2, 28), "recurrence": ANNUAL},
		{"event_type": REGISTERED_AGENT_RENEWAL, "due_date": date(2025, 2, 28), "recurrence": ANNUAL},
	]
