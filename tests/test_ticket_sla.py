from datetime import date, datetime, time, timedelta

import pytest

from crm_order_extension.core.sla_notices import UserSettings
from crm_order_extension.core.ticket_sla import (
	AT_RISK,
	BREACH,
	FAILED,
	MET,
	PENDING,
	HelpdeskCalendar,
	assigned_users,
	check_warn_percent,
	compliance_rows,
	outcome,
	plan,
	recipients,
	sla_start,
	split_duration,
	warn_point,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ROWS = [{"workday": d, "start_time": timedelta(hours=10), "end_time": timedelta(hours=18)} for d in WEEKDAYS]
# Helpdesk's default SLA: Mon-Fri 10:00-18:00; 2026-12-25 (a Friday) a holiday
HOLIDAY = date(2026, 12, 25)
CALENDAR = HelpdeskCalendar.from_rows(ROWS, [HOLIDAY])


def helpdesk_calc_time(start: datetime, seconds: float, rows=ROWS, holidays=(HOLIDAY,)) -> datetime:
	"""Helpdesk v1.25.1's HDServiceLevelAgreement.calc_time, transliterated without frappe."""
	workdays = {r["workday"]: r for r in rows}
	days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
	result, remaining = start, seconds
	while remaining:
		current_date = result.date() if isinstance(result, datetime) else result
		current = result if isinstance(result, datetime) else datetime.combine(result, time())
		day = days[current.weekday()]
		if current_date in holidays or day not in workdays:
			result = datetime.combine(current_date + timedelta(days=1), time())
			continue
		now_s = (current - datetime.combine(current_date, time())).total_seconds()
		start_s = max(workdays[day]["start_time"].total_seconds(), now_s)
		till_start = max(start_s - now_s, 0)
		end_s = max(workdays[day]["end_time"].total_seconds(), now_s)
		left = max(end_s - start_s, 0)
		if not left:
			result = datetime.combine(current_date + timedelta(days=1), time())
			continue
		taken = min(remaining, left)
		remaining -= taken
		result = current + timedelta(seconds=till_start + taken)
	return result


@pytest.mark.parametrize(
	"start,seconds",
	[
		(datetime(2026, 12, 7, 9, 0), 3600),  # before opening on a Monday
		(datetime(2026, 12, 7, 17, 30), 3600),  # across the evening
		(datetime(2026, 12, 11, 16, 0), 8 * 3600),  # Friday into Monday
		(datetime(2026, 12, 24, 12, 0), 14400),  # across the Christmas holiday
		(datetime(2026, 12, 7, 10, 0), 8 * 3600),  # exactly one working day: ends at 18:00
		(datetime(2026, 12, 6, 13, 0), 259200),  # Sunday, 3 working days
		(datetime(2026, 12, 7, 11, 17, 23), 1800),
	],
)
def test_add_working_seconds_agrees_with_helpdesk_calc_time(start, seconds):
	assert CALENDAR.add_working_seconds(start, seconds) == helpdesk_calc_time(start, seconds)


def test_working_seconds_is_the_inverse_on_helpdesk_targets():
	start = datetime(2026, 12, 23, 15, 12)
	target = helpdesk_calc_time(start, 12 * 3600)
	assert target == datetime(2026, 12, 28, 11, 12)  # Wed 15:12 + 12 h: Thu, holiday Fri, weekend
	assert CALENDAR.working_seconds(start, target) == 12 * 3600


def test_warn_point_is_75_percent_of_the_working_time_to_the_ticket_target():
	start = datetime(2026, 12, 24, 16, 0)  # Thursday 16:00, 4 h target over the holiday weekend
	target = helpdesk_calc_time(start, 14400)
	assert target == datetime(2026, 12, 28, 12, 0)
	# 3 h of 4: 2 h on Thursday, 1 h on Monday from 10:00
	assert warn_point(CALENDAR, start, target, 75) == datetime(2026, 12, 28, 11, 0)
	assert warn_point(CALENDAR, start, target, 50) == datetime(2026, 12, 24, 18, 0)


def test_warn_point_is_never_after_the_target_and_needs_a_target():
	start = datetime(2026, 12, 7, 10, 0)
	assert warn_point(CALENDAR, start, None, 75) is None
	assert warn_point(CALENDAR, None, datetime(2026, 12, 7, 12), 75) == datetime(2026, 12, 7, 12)
	# no working time between start and target (a weekend): the target itself
	weekend = HelpdeskCalendar.from_rows(ROWS)
	assert warn_point(weekend, datetime(2026, 12, 5, 9), datetime(2026, 12, 6, 9), 75) == datetime(
		2026, 12, 6, 9
	)


def test_an_end_of_23_59_59_stays_helpdesks_not_midnight():
	rows = [{"workday": "Monday", "start_time": timedelta(0), "end_time": timedelta(seconds=86399)}]
	calendar = HelpdeskCalendar.from_rows(rows)
	monday = datetime(2026, 12, 7)
	assert calendar.working_seconds(monday, monday + timedelta(days=1)) == 86399
	assert calendar.add_working_seconds(monday, 86400) == helpdesk_calc_time(monday, 86400, rows, ())


def test_sla_start_falls_back_to_the_opening_moment():
	assert sla_start(datetime(2026, 12, 7, 9), "2026-12-01") == datetime(2026, 12, 7, 9)
	assert sla_start(None, "2026-12-07", timedelta(hours=9, minutes=30)) == datetime(2026, 12, 7, 9, 30)
	assert sla_start(None, None) is None


@pytest.mark.parametrize("value,expected", [(75, 75), ("0", 0), (99, 99)])
def test_warn_percent_accepts_0_to_99(value, expected):
	assert check_warn_percent(value) == expected


@pytest.mark.parametrize("value", [100, -1, "abc", None])
def test_warn_percent_refuses_the_rest(value):
	with pytest.raises(ValueError):
		check_warn_percent(value)


def test_assigned_users_read_frappes_assign_column():
	assert assigned_users('["a@x.com", "b@x.com", "a@x.com"]') == ["a@x.com", "b@x.com"]
	assert assigned_users(None) == [] and assigned_users("not json") == [] and assigned_users("{}") == []


def test_assigned_agents_are_told_else_the_team_and_the_role_only_of_breaches():
	assert recipients(AT_RISK, ["a"], ["t1", "t2"], ["m"]) == ["a"]
	assert recipients(AT_RISK, [], ["t1", "t2"], ["m"]) == ["t1", "t2"]
	assert recipients(BREACH, ["a"], [], ["m", "a", "Guest"]) == ["a", "m"]
	assert recipients(BREACH, [], [], []) == []
	with pytest.raises(ValueError):
		recipients("late", ["a"], [], [])


def test_plan_follows_each_users_settings_and_keeps_helpdesk_for_the_agents():
	settings = {
		"a": UserSettings(),
		"t": UserSettings(email_notifications=False),
		"m": UserSettings(notifications=False),
		"off": UserSettings(enabled=False),
	}
	deliveries = {d.user: d for d in plan(BREACH, ["a", "t", "off", "gone"], [], ["m"], settings)}
	assert set(deliveries) == {"a", "t", "m"}
	assert (deliveries["a"].desk, deliveries["a"].email, deliveries["a"].helpdesk, deliveries["a"].live) == (
		True,
		True,
		True,
		True,
	)
	assert (deliveries["t"].desk, deliveries["t"].email) == (True, False)
	assert (deliveries["m"].desk, deliveries["m"].email, deliveries["m"].helpdesk) == (False, False, False)


def test_split_duration_rounds_minutes_up():
	assert split_duration(59) == (0, 0, 1)
	assert split_duration(-3600 * 26 - 60) == (1, 2, 1)
	assert split_duration(0) == (0, 0, 0)


def test_outcome_of_a_target():
	now = datetime(2026, 12, 5, 12)
	target = datetime(2026, 12, 5, 11)
	assert outcome(target, datetime(2026, 12, 5, 10), now) == MET
	assert outcome(target, datetime(2026, 12, 5, 11, 30), now) == FAILED
	assert outcome(target, None, now) == FAILED
	assert outcome(datetime(2026, 12, 5, 13), None, now) == PENDING
	assert outcome(None, None, now) is None


def test_compliance_per_team_and_agent():
	now = datetime(2026, 12, 5, 12)
	early, late, later = datetime(2026, 12, 5, 9), datetime(2026, 12, 5, 11), datetime(2026, 12, 6)
	tickets = [
		{"agent_group": "L1", "_assign": '["a"]', "response_by": late, "first_responded_on": early,
		 "resolution_by": later, "resolution_date": None},
		{"agent_group": "L1", "_assign": '["a", "b"]', "response_by": early, "first_responded_on": late,
		 "resolution_by": early, "resolution_date": None},
		{"agent_group": None, "_assign": None, "response_by": later, "first_responded_on": None,
		 "resolution_by": later, "resolution_date": None, "resolution_applies": False},
	]  # fmt: skip
	teams = {r["group"]: r for r in compliance_rows(tickets, "team", now)}
	assert teams["L1"]["tickets"] == 2
	assert (
		teams["L1"]["response_met"],
		teams["L1"]["response_failed"],
		teams["L1"]["response_compliance"],
	) == (
		1,
		1,
		50.0,
	)
	assert (teams["L1"]["resolution_failed"], teams["L1"]["resolution_pending"]) == (1, 1)
	assert teams[""]["response_pending"] == 1 and teams[""]["response_compliance"] is None
	assert teams[""]["resolution_pending"] == 0
	agents = {r["group"]: r for r in compliance_rows(tickets, "agent", now)}
	assert (agents["a"]["tickets"], agents["b"]["tickets"], agents[""]["tickets"]) == (2, 1, 1)
	assert agents["b"]["response_compliance"] == 0.0
	assert [r["group"] for r in compliance_rows(tickets, "agent", now)] == ["a", "b", ""]
