"""Rules of the dual first-response SLA on CRM Leads.

A lead waiting for our reply is in a response cycle: a new lead ("New" / "Open") runs the Lead
Response SLA, a customer who wrote back ("OPEN" / "Open") runs the Customer Follow-up Response SLA.
A message we send closes the cycle (Fulfilled or Failed by its timestamps); an inbound email starts
a new one. Cycles are plain dicts so the Frappe adapter can log and query them however it likes.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from crm_order_extension.core.business_hours import WorkingHours

LEAD_RESPONSE_SLA = "Lead Response SLA"
CUSTOMER_FOLLOW_UP_SLA = "Customer Follow-up Response SLA"

# sla_status values of a cycle (and of the lead, as in Frappe CRM).
FIRST_RESPONSE_DUE = "First Response Due"
FAILED = "Failed"
FULFILLED = "Fulfilled"

# Lead status values. "OPEN" (upper case) is this app's status for a customer awaiting our reply.
NEW = "New"
CONTACTED = "Contacted"
OPEN = "OPEN"

# Lead communication_status values.
OPEN_COMM = "Open"
REPLIED = "Replied"

# Priority "Open" of both SLAs.
RESPONSE_TARGET = timedelta(hours=2)
RESOLUTION_TARGET = timedelta(days=2)
AT_RISK_MARGIN = timedelta(minutes=30)

# (status, communication_status) -> SLA; exact matches, since "OPEN" and "Open" differ on purpose.
SLA_BY_STATE = {
	(NEW, OPEN_COMM): LEAD_RESPONSE_SLA,
	(OPEN, OPEN_COMM): CUSTOMER_FOLLOW_UP_SLA,
}


def sla_for(status: str | None, communication_status: str | None) -> str | None:
	"""The SLA that applies to a lead in this state, or None when no response is owed."""
	return SLA_BY_STATE.get((status, communication_status))


def after_outbound(status: str | None) -> dict:
	"""Lead fields after we send a message: replied, and a new lead becomes Contacted."""
	return {"status": CONTACTED if status == NEW else status, "communication_status": REPLIED}


def after_inbound(status: str | None) -> dict:
	"""Lead fields after a customer email: the ball is in our court again.

	A lead we already contacted (Contacted or OPEN) becomes OPEN, so the follow-up SLA applies; a
	New lead stays New (the Lead Response SLA still runs). Any other status (e.g. a lead already
	qualified or lost) is a deliberate sales decision an email must not undo, so it is kept.
	"""
	return {"status": OPEN if status in (CONTACTED, OPEN) else status, "communication_status": OPEN_COMM}


def response_outcome(response_by: datetime, responded_on: datetime) -> str:
	"""Fulfilled when the response came at or before the deadline, Failed when later."""
	return FULFILLED if responded_on <= response_by else FAILED


def start_cycle(
	sla_name: str,
	start: datetime,
	hours: WorkingHours,
	response_target: timedelta = RESPONSE_TARGET,
	resolution_target: timedelta = RESOLUTION_TARGET,
) -> dict:
	"""A new response cycle beginning at `start`; targets count working time only."""
	return {
		"sla": sla_name,
		"start": start,
		"response_by": hours.add_working_time(start, response_target),
		"resolution_by": hours.add_working_time(start, resolution_target),
		"sla_status": FIRST_RESPONSE_DUE,
	}


def close_cycle(cycle: Mapping, responded_on: datetime, hours: WorkingHours) -> dict:
	"""Fields that close `cycle` with our response at `responded_on`.

	The outcome comes from the timestamps alone, so a reply sent before the deadline but synced after
	a sweep marked the cycle Failed still counts as Fulfilled. `first_response_time` is the working
	time from the cycle's start, in seconds. Keys match the cycle's, so `cycle.update(...)` works.
	"""
	return {
		"responded_on": responded_on,
		"sla_status": response_outcome(cycle["response_by"], responded_on),
		"first_response_time": hours.working_time_between(cycle["start"], responded_on).total_seconds(),
	}


def is_breached(response_by: datetime, now: datetime) -> bool:
	return now > response_by


def is_at_risk(response_by: datetime, now: datetime, margin: timedelta = AT_RISK_MARGIN) -> bool:
	"""Not yet breached, and the deadline is within `margin` of now."""
	return not is_breached(response_by, now) and response_by - now <= margin


def sweep_partition(
	cycles: Iterable[Mapping], now: datetime, margin: timedelta = AT_RISK_MARGIN
) -> tuple[list, list]:
	"""Reference semantics of the cron sweep: (to mark Failed, to warn) among open cycles.

	Only cycles still First Response Due count. A breached cycle is listed even if it was warned
	about; an at-risk cycle only if `at_risk_notified` is not set, so the warning goes out once.
	"""
	breached, at_risk = [], []
	for cycle in cycles:
		response_by = cycle.get("response_by")
		if cycle.get("sla_status") != FIRST_RESPONSE_DUE or response_by is None:
			continue
		if is_breached(response_by, now):
			breached.append(cycle)
		elif is_at_risk(response_by, now, margin) and not cycle.get("at_risk_notified"):
			at_risk.append(cycle)
	return breached, at_risk
