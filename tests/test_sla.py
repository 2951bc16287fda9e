from datetime import datetime, time, timedelta

import pytest

from crm_order_extension.core.business_hours import WorkingHours
from crm_order_extension.core.sla import (
	AT_RISK_MARGIN,
	CONTACTED,
	CUSTOMER_FOLLOW_UP_SLA,
	FAILED,
	FIRST_RESPONSE_DUE,
	FULFILLED,
	LEAD_RESPONSE_SLA,
	NEW,
	OPEN,
	OPEN_COMM,
	REPLIED,
	RESOLUTION_TARGET,
	RESPONSE_TARGET,
	after_inbound,
	after_outbound,
	close_cycle,
	is_at_risk,
	is_breached,
	response_outcome,
	sla_for,
	start_cycle,
	sweep_partition,
)

SECOND = timedelta(seconds=1)
OFFICE = WorkingHours({weekday: [(time(9), time(17))] for weekday in range(5)})
# 2024-06-07 is a Friday.
FRIDAY_4PM = datetime(2024, 6, 7, 16)
MONDAY_10AM = datetime(2024, 6, 10, 10)


def test_targets_are_the_open_priority_of_both_slas():
	assert RESPONSE_TARGET == timedelta(hours=2)
	assert RESOLUTION_TARGET == timedelta(days=2)
	assert AT_RISK_MARGIN == timedelta(minutes=30)


@pytest.mark.parametrize(
	("status", "communication_status", "expected"),
	[
		(NEW, OPEN_COMM, LEAD_RESPONSE_SLA),
		(OPEN, OPEN_COMM, CUSTOMER_FOLLOW_UP_SLA),
		(NEW, REPLIED, None),
		(OPEN, REPLIED, None),
		(CONTACTED, OPEN_COMM, None),
		(CONTACTED, REPLIED, None),
		# "OPEN" and "Open" are different values on purpose: no case folding.
		("Open", OPEN_COMM, None),
		(NEW, "OPEN", None),
		("Qualified", OPEN_COMM, None),
		(None, None, None),
		(NEW, None, None),
	],
)
def test_which_sla_applies(status, communication_status, expected):
	assert sla_for(status, communication_status) == expected


@pytest.mark.parametrize(
	("status", "expected"),
	[(NEW, CONTACTED), (CONTACTED, CONTACTED), (OPEN, OPEN), ("Qualified", "Qualified")],
)
def test_outbound_replies_and_contacts_new_leads(status, expected):
	assert after_outbound(status) == {"status": expected, "communication_status": REPLIED}


@pytest.mark.parametrize(
	("status", "expected"),
	[(NEW, NEW), (CONTACTED, OPEN), (OPEN, OPEN), ("Qualified", "Qualified"), ("Lost", "Lost")],
)
def test_inbound_reopens_the_conversation(status, expected):
	assert after_inbound(status) == {"status": expected, "communication_status": OPEN_COMM}


def test_a_conversation_alternates_between_the_two_slas_and_none():
	lead = {"status": NEW, "communication_status": OPEN_COMM}
	assert sla_for(**lead) == LEAD_RESPONSE_SLA
	lead.update(after_outbound(lead["status"]))
	assert lead == {"status": CONTACTED, "communication_status": REPLIED}
	assert sla_for(**lead) is None
	lead.update(after_inbound(lead["status"]))
	assert sla_for(**lead) == CUSTOMER_FOLLOW_UP_SLA
	lead.update(after_outbound(lead["status"]))
	assert lead == {"status": OPEN, "communication_status": REPLIED}
	assert sla_for(**lead) is None
	lead.update(after_inbound(lead["status"]))
	assert sla_for(**lead) == CUSTOMER_FOLLOW_UP_SLA


def test_customer_writing_again_before_our_first_reply_keeps_the_lead_response_sla():
	lead = {"status": NEW, "communication_status": OPEN_COMM}
	lead.update(after_inbound(lead["status"]))
	assert sla_for(**lead) == LEAD_RESPONSE_SLA


def test_response_exactly_at_deadline_is_fulfilled_one_second_later_failed():
	due = datetime(2024, 6, 10, 10)
	assert response_outcome(due, due) == FULFILLED
	assert response_outcome(due, due - SECOND) == FULFILLED
	assert response_outcome(due, due + SECOND) == FAILED
	assert response_outcome(due, due + timedelta(microseconds=1)) == FAILED


def test_start_cycle_computes_targets_in_working_time():
	cycle = start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, OFFICE)
	assert cycle == {
		"sla": LEAD_RESPONSE_SLA,
		"start": FRIDAY_4PM,
		"response_by": MONDAY_10AM,
		# 48 working hours: Fri 1h, then five 8-hour days, then 7 hours on Monday.
		"resolution_by": datetime(2024, 6, 17, 16),
		"sla_status": FIRST_RESPONSE_DUE,
	}


def test_start_cycle_on_24_7_and_custom_targets():
	cycle = start_cycle(
		CUSTOMER_FOLLOW_UP_SLA,
		FRIDAY_4PM,
		WorkingHours.always(),
		response_target=timedelta(minutes=15),
		resolution_target=timedelta(hours=6),
	)
	assert cycle["sla"] == CUSTOMER_FOLLOW_UP_SLA
	assert cycle["response_by"] == FRIDAY_4PM + timedelta(minutes=15)
	assert cycle["resolution_by"] == FRIDAY_4PM + timedelta(hours=6)
	default = start_cycle(CUSTOMER_FOLLOW_UP_SLA, FRIDAY_4PM, WorkingHours.always())
	assert default["response_by"] == FRIDAY_4PM + timedelta(hours=2)
	assert default["resolution_by"] == FRIDAY_4PM + timedelta(days=2)


def test_start_cycle_without_working_hours_raises():
	with pytest.raises(ValueError):
		start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, WorkingHours({}))


def test_close_cycle_on_time_counts_working_seconds_only():
	cycle = start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, OFFICE)
	closed = close_cycle(cycle, datetime(2024, 6, 10, 9, 30), OFFICE)
	assert closed == {
		"responded_on": datetime(2024, 6, 10, 9, 30),
		"sla_status": FULFILLED,
		"first_response_time": 5400.0,
	}
	assert isinstance(closed["first_response_time"], float)


def test_close_cycle_at_deadline_and_one_second_late():
	cycle = start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, OFFICE)
	assert close_cycle(cycle, MONDAY_10AM, OFFICE)["sla_status"] == FULFILLED
	late = close_cycle(cycle, MONDAY_10AM + SECOND, OFFICE)
	assert late["sla_status"] == FAILED
	assert late["first_response_time"] == 7201.0


def test_close_cycle_outcome_comes_from_timestamps_even_after_a_sweep():
	cycle = {**start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, OFFICE), "sla_status": FAILED}
	assert close_cycle(cycle, MONDAY_10AM - SECOND, OFFICE)["sla_status"] == FULFILLED


def test_close_cycle_update_round_trip():
	cycle = start_cycle(LEAD_RESPONSE_SLA, FRIDAY_4PM, OFFICE)
	cycle.update(close_cycle(cycle, MONDAY_10AM, OFFICE))
	assert cycle["sla_status"] == FULFILLED
	assert cycle["responded_on"] == MONDAY_10AM


def test_response_before_start_counts_zero_time():
	cycle = start_cycle(LEAD_RESPONSE_SLA, MONDAY_10AM, OFFICE)
	assert close_cycle(cycle, MONDAY_10AM - SECOND, OFFICE)["first_response_time"] == 0.0


def test_breach_is_strictly_after_the_deadline():
	due = MONDAY_10AM
	assert not is_breached(due, due - SECOND)
	assert not is_breached(due, due)
	assert is_breached(due, due + SECOND)


def test_at_risk_boundaries():
	due = MONDAY_10AM
	margin = timedelta(minutes=30)
	assert not is_at_risk(due, due - margin - SECOND)
	assert is_at_risk(due, due - margin)
	assert is_at_risk(due, due - SECOND)
	assert is_at_risk(due, due)
	assert not is_at_risk(due, due + SECOND)
	assert is_at_risk(due, due - timedelta(minutes=50), margin=timedelta(hours=1))
	assert not is_at_risk(due, due - timedelta(minutes=50), margin=timedelta(minutes=10))


def test_sweep_partition_reference_semantics():
	now = MONDAY_10AM

	def cycle(name, minutes_left, status=FIRST_RESPONSE_DUE, notified=0):
		return {
			"name": name,
			"response_by": now + timedelta(minutes=minutes_left),
			"sla_status": status,
			"at_risk_notified": notified,
		}

	cycles = [
		cycle("late", -5),
		cycle("late-warned", -1, notified=1),
		cycle("due-now", 0),
		cycle("soon", 20),
		cycle("edge", 30),
		cycle("soon-warned", 10, notified=1),
		cycle("later", 31),
		cycle("already-failed", -60, status=FAILED),
		cycle("fulfilled-late", -60, status=FULFILLED),
		cycle("fulfilled-soon", 10, status=FULFILLED),
		{"name": "no-deadline", "response_by": None, "sla_status": FIRST_RESPONSE_DUE},
		{"name": "bare", "response_by": now - SECOND, "sla_status": FIRST_RESPONSE_DUE},
	]
	breached, warn = sweep_partition(iter(cycles), now, timedelta(minutes=30))
	assert [c["name"] for c in breached] == ["late", "late-warned", "bare"]
	assert [c["name"] for c in warn] == ["due-now", "soon", "edge"]
	assert breached[0] is cycles[0]


def test_sweep_partition_default_margin_and_empty_input():
	now = MONDAY_10AM
	cycles = [{"name": "x", "response_by": now + timedelta(minutes=30), "sla_status": FIRST_RESPONSE_DUE}]
	assert sweep_partition(cycles, now) == ([], cycles)
	assert sweep_partition(cycles, now, timedelta(minutes=29)) == ([], [])
	assert sweep_partition([], now) == ([], [])
