"""Helpdesk ticket SLA notices: Helpdesk's working-time clock, the at-risk point, who is told, and
the compliance figures (frappe-free).

The clock mirrors Helpdesk's own `HD Service Level Agreement` arithmetic (`calc_time`,
`calc_elapsed_time`): one working interval [start, end) per weekday that has a row, whole-day
holidays, seconds counted exactly as Helpdesk counts them (an end of 23:59:59 stays 23:59:59).
The ticket's own `response_by` / `resolution_by` are the 100 % targets; this module only places
the warning point between the SLA start and that target, in the same working time.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crm_order_extension.core.sla_notices import NEVER_NOTIFIED, UserSettings, channels

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RESPONSE = "response"
RESOLUTION = "resolution"
METRICS = (RESPONSE, RESOLUTION)
AT_RISK = "at_risk"
BREACH = "breach"
KINDS = (AT_RISK, BREACH)
DEFAULT_WARN_PERCENT = 75
# Helpdesk's calc_time walks day by day; a target this far out means no working time at all.
HORIZON_DAYS = 3653

# Realtime event per notice kind, the same Desk (public/js/sla_notices.js) shows for leads.
EVENTS = {
	(RESPONSE, AT_RISK): "sla_at_risk",
	(RESOLUTION, AT_RISK): "sla_at_risk",
	(RESPONSE, BREACH): "sla_failed",
	(RESOLUTION, BREACH): "sla_resolution_failed",
}


def _seconds(value) -> float:
	"""Offset from midnight of a Time field value: datetime.time, timedelta (MariaDB) or "HH:MM[:SS]"."""
	if isinstance(value, timedelta):
		return value.total_seconds()
	if isinstance(value, time):
		return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
	if isinstance(value, str):
		parts = value.strip().split(":")
		if not 2 <= len(parts) <= 3:
			raise ValueError(f"not a time of day: {value!r}")
		return int(parts[0]) * 3600 + int(parts[1]) * 60 + (float(parts[2]) if len(parts) == 3 else 0)
	raise ValueError(f"not a time of day: {value!r}")


def _as_date(value) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value))


def _midnight(day: date) -> datetime:
	return datetime.combine(day, time())


class HelpdeskCalendar:
	"""An HD Service Level Agreement's working time: `workdays` maps a weekday name to its
	(start_time, end_time) row (`support_and_resolution`), `holidays` are its holiday list's dates."""

	__slots__ = ("_days", "_holidays")

	def __init__(self, workdays: Mapping[str, tuple], holidays: Iterable = ()):
		days: list[tuple[float, float] | None] = [None] * 7
		for name, (start, end) in workdays.items():
			if name not in WEEKDAYS:
				raise ValueError(f"unknown workday: {name!r}")
			days[WEEKDAYS.index(name)] = (_seconds(start), _seconds(end))
		self._days = tuple(days)
		self._holidays = frozenset(_as_date(d) for d in holidays)

	@classmethod
	def from_rows(cls, rows: Iterable[Mapping], holidays: Iterable = ()) -> "HelpdeskCalendar":
		"""From `support_and_resolution` rows ({workday, start_time, end_time}; `.get` suffices). As in
		Helpdesk, a repeated workday keeps its last row."""
		return cls(
			{row.get("workday"): (row.get("start_time"), row.get("end_time")) for row in rows}, holidays
		)

	def _window(self, day: date) -> tuple[float, float] | None:
		if day in self._holidays:
			return None
		window = self._days[day.weekday()]
		if window is None or window[1] <= window[0]:
			return None
		return window

	def working_seconds(self, start: datetime, end: datetime) -> float:
		"""Working seconds from `start` to `end` (Helpdesk's calc_elapsed_time); 0 when end <= start."""
		if end <= start:
			return 0.0
		total = 0.0
		day = start.date()
		while day <= end.date():
			window = self._window(day)
			if window:
				low = window[0]
				high = window[1]
				if day == start.date():
					low = max(low, (start - _midnight(day)).total_seconds())
				if day == end.date():
					high = min(high, (end - _midnight(day)).total_seconds())
				if low < high:
					total += high - low
			day += timedelta(days=1)
		return total

	def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
		"""The moment `seconds` of working time have elapsed after `start` (Helpdesk's calc_time: a
		target on the end of a working day is that end)."""
		if seconds <= 0:
			return start
		result = start
		remaining = float(seconds)
		limit = start.date() + timedelta(days=HORIZON_DAYS)
		while remaining > 0:
			day = result.date()
			if day > limit:
				raise ValueError(f"no {seconds} s of working time within {HORIZON_DAYS} days of {start}")
			window = self._window(day)
			now_offset = (result - _midnight(day)).total_seconds()
			if window is None or window[1] <= now_offset:
				result = _midnight(day + timedelta(days=1))
				continue
			begin = max(window[0], now_offset)
			taken = min(remaining, window[1] - begin)
			remaining -= taken
			result = _midnight(day) + timedelta(seconds=begin + taken)
		return result


def warn_point(calendar: HelpdeskCalendar, start, target, percent: float) -> datetime | None:
	"""When `percent` % of the working time from the SLA start to the ticket's target has elapsed:
	never after the target, and the target itself when there is no working time in between."""
	if not target:
		return None
	if not start or start >= target:
		return target
	total = calendar.working_seconds(start, target)
	if total <= 0:
		return target
	point = calendar.add_working_seconds(start, total * float(percent) / 100.0)
	return min(point, target)


def sla_start(creation: datetime | None, opening_date=None, opening_time=None) -> datetime | None:
	"""The SLA clock's start: `service_level_agreement_creation`, else the ticket's opening moment."""
	if creation:
		return creation
	if not opening_date:
		return None
	moment = _midnight(_as_date(opening_date))
	if opening_time is not None:
		moment += timedelta(seconds=_seconds(opening_time))
	return moment


def check_warn_percent(value) -> int:
	"""The warning threshold in percent of the target: 0 (no warning) or 1 to 99."""
	try:
		percent = int(value)
	except (TypeError, ValueError):
		raise ValueError(f"not a whole percent: {value!r}")
	if not 0 <= percent <= 99:
		raise ValueError(f"warning threshold out of range (0 to 99 %): {percent}")
	return percent


def assigned_users(assign) -> list[str]:
	"""The users of Frappe's `_assign` column (a JSON list), in order, each once."""
	if not assign:
		return []
	if isinstance(assign, str):
		try:
			assign = json.loads(assign)
		except ValueError:
			return []
	if not isinstance(assign, list):
		return []
	return list(dict.fromkeys(u for u in assign if isinstance(u, str) and u))


@dataclass(frozen=True)
class Delivery:
	"""One recipient's channels: desk = Notification Log (the bell), email per Notification Settings,
	helpdesk = HD Notification (the /helpdesk panel), live = realtime toast."""

	user: str
	desk: bool
	email: bool
	helpdesk: bool
	live: bool


def recipients(
	kind: str, assigned: Iterable[str], team: Iterable[str], watchers: Iterable[str] = ()
) -> list[str]:
	"""The ticket's assigned agents, else its team's members; then, for a breach, the users of the
	notify role. Each user once; Guest never."""
	if kind not in KINDS:
		raise ValueError(f"unknown ticket SLA notice kind: {kind!r}")
	primary = list(assigned) or list(team)
	candidates = primary + (list(watchers) if kind == BREACH else [])
	seen: dict[str, None] = {}
	for user in candidates:
		if user and user not in NEVER_NOTIFIED:
			seen.setdefault(user, None)
	return list(seen)


def plan(
	kind: str,
	assigned: Iterable[str],
	team: Iterable[str],
	watchers: Iterable[str],
	settings: Mapping[str, UserSettings],
) -> list[Delivery]:
	"""The deliveries of one notice: one per enabled recipient. The agents who have to act (assigned,
	else the team) also get the /helpdesk notice and the live toast; role users get Desk and email."""
	assigned, team = list(assigned), list(team)
	primary = set(assigned or team)
	deliveries = []
	for user in recipients(kind, assigned, team, watchers):
		found = channels(user, settings)
		if found:
			desk, email = found
			deliveries.append(
				Delivery(user=user, desk=desk, email=email, helpdesk=user in primary, live=user in primary)
			)
	return deliveries


def split_duration(seconds: float) -> tuple[int, int, int]:
	"""(days, hours, minutes) of a duration, minutes rounded up so "due in 0 min" never shows."""
	minutes = int(-(-abs(seconds) // 60))
	days, rest = divmod(minutes, 24 * 60)
	hours, minutes = divmod(rest, 60)
	return days, hours, minutes


# Compliance figures -------------------------------------------------------------------------------

MET = "met"
FAILED = "failed"
PENDING = "pending"


def outcome(target, done, now: datetime) -> str | None:
	"""A target's outcome: met (done by the target), failed (done late, or not done and passed) or
	pending; None without a target."""
	if not target:
		return None
	if done:
		return MET if done <= target else FAILED
	return FAILED if target < now else PENDING


def compliance_rows(tickets: Iterable[Mapping], group_by: str, now: datetime) -> list[dict]:
	"""Per team or agent: tickets, first response met / failed / pending and compliance %, the same
	for resolution. A ticket counts for each agent assigned to it (`_assign`), and for "(none)"
	without one. Compliance is met / (met + failed); None when nothing is decided yet."""
	groups: dict[str, dict] = {}
	for ticket in tickets:
		if group_by == "agent":
			keys = assigned_users(ticket.get("_assign")) or [""]
		else:
			keys = [ticket.get("agent_group") or ""]
		response = outcome(ticket.get("response_by"), ticket.get("first_responded_on"), now)
		resolution = (
			outcome(ticket.get("resolution_by"), ticket.get("resolution_date"), now)
			if ticket.get("resolution_applies", True)
			else None
		)
		for key in keys:
			row = groups.setdefault(
				key,
				{
					"group": key,
					"tickets": 0,
					"response_met": 0,
					"response_failed": 0,
					"response_pending": 0,
					"resolution_met": 0,
					"resolution_failed": 0,
					"resolution_pending": 0,
				},
			)
			row["tickets"] += 1
			if response:
				row[f"response_{response}"] += 1
			if resolution:
				row[f"resolution_{resolution}"] += 1
	rows = sorted(groups.values(), key=lambda r: (r["group"] == "", r["group"]))
	for row in rows:
		for metric in METRICS:
			decided = row[f"{metric}_met"] + row[f"{metric}_failed"]
			row[f"{metric}_compliance"] = (
				round(100.0 * row[f"{metric}_met"] / decided, 1) if decided else None
			)
	return rows
