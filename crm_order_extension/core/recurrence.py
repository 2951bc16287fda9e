"""Due dates and statuses of Compliance Calendar entries."""

import calendar
from datetime import date

from crm_order_extension.core.errors import RuleError, _

ONE_TIME = "One-time"
MONTHLY = "Monthly"
QUARTERLY = "Quarterly"
ANNUAL = "Annual"
RECURRENCES = (ONE_TIME, MONTHLY, QUARTERLY, ANNUAL)
_MONTHS = {MONTHLY: 1, QUARTERLY: 3, ANNUAL: 12}

UPCOMING = "Upcoming"
DUE_SOON = "Due Soon"
OVERDUE = "Overdue"
COMPLETED = "Completed"
STATUSES = (UPCOMING, DUE_SOON, OVERDUE, COMPLETED)
DUE_SOON_DAYS = 30

ANNUAL_REPORT = "Annual Report"
REGISTERED_AGENT_RENEWAL = "Registered Agent Renewal"


def add_months(d: date, months: int) -> date:
	"""`d` moved by `months`, clamped to the last day of the target month (Jan 31 + 1 → Feb 28).

	Only clamps: a day that exists in the target month is kept (Feb 28 + 1 → Mar 28).
	"""
	index = d.year * 12 + d.month - 1 + months
	year, month = divmod(index, 12)
	month += 1
	return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _months_for(recurrence: str) -> int | None:
	if recurrence == ONE_TIME:
		return None
	if recurrence not in _MONTHS:
		raise RuleError(_("Unknown recurrence {0}. Valid values: {1}"), recurrence, ", ".join(RECURRENCES))
	return _MONTHS[recurrence]


def next_due_date(due: date, recurrence: str) -> date | None:
	"""Due date of the occurrence after `due`; None for One-time. Unknown recurrence: RuleError.

	Chaining this drifts after a clamp (Jan 31 → Feb 28 → Mar 28); use nth_due_date from the
	first due date to keep month-end deadlines at month end.
	"""
	months = _months_for(recurrence)
	return None if months is None else add_months(due, months)


def nth_due_date(first_due: date, recurrence: str, n: int) -> date | None:
	"""Due date of occurrence `n` (0 = `first_due`) counted from the first, so clamps never accumulate."""
	months = _months_for(recurrence)
	if months is None:
		return first_due if n == 0 else None
	return add_months(first_due, months * n)


def calendar_status(due_date: date, today: date, completed: bool, due_soon_days: int = DUE_SOON_DAYS) -> str:
	"""Completed, Overdue (past due), Due Soon (due today up to `due_soon_days` ahead) or Upcoming."""
	if completed:
		return COMPLETED
	days_left = (due_date - today).days
	if days_left < 0:
		return OVERDUE
	if days_left <= due_soon_days:
		return DUE_SOON
	return UPCOMING


def needs_reminder(old_status: str | None, new_status: str, reminder_sent: bool) -> bool:
	"""Remind once per occurrence: only on entering Due Soon, and never if already reminded.

	`old_status` is None for a new entry, so an entry created inside the window is reminded too.
	"""
	return new_status == DUE_SOON and old_status != DUE_SOON and not reminder_sent


def first_entries_for_delivery(delivery_date: date, has_registered_agent_addon: bool) -> list[dict]:
	"""Calendar entries a delivered formation starts: the first Annual Report and, with the
	Registered Agent add-on, its renewal; both due a year after delivery and recurring yearly.
	"""
	due = add_months(delivery_date, 12)
	entries = [{"event_type": ANNUAL_REPORT, "due_date": due, "recurrence": ANNUAL}]
	if has_registered_agent_addon:
		entries.append({"event_type": REGISTERED_AGENT_RENEWAL, "due_date": due, "recurrence": ANNUAL})
	return entries
