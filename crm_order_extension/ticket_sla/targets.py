"""Each ticket carries its notice points next to Helpdesk's targets (HD Ticket before_save, after
Helpdesk's own `apply_sla` has set `response_by` / `resolution_by`).

Per metric (first response, resolution): `custom_<metric>_at_risk_at` is the moment the at-risk share
of the target's working time has elapsed (Helpdesk's working hours and holidays,
core.ticket_sla.HelpdeskCalendar), kept for reports; `custom_<metric>_warn_due` and
`custom_<metric>_breach_due` hold that point and the target while a notice is still owed, and the
sweep empties them when it claims them. They are recomputed only when the target changes; on every
other save the stored values win (read with the row lock Frappe takes for the save), so a form
opened before a sweep never re-arms a notice that was already sent.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime

from crm_order_extension.core import ticket_sla as rules

TICKET = "HD Ticket"
SETTINGS = "CRM Order Extension Settings"
TARGET = {rules.RESPONSE: "response_by", rules.RESOLUTION: "resolution_by"}
AT_RISK_AT = {rules.RESPONSE: "custom_response_at_risk_at", rules.RESOLUTION: "custom_resolution_at_risk_at"}
DUE = {
	(rules.RESPONSE, rules.AT_RISK): "custom_response_warn_due",
	(rules.RESPONSE, rules.BREACH): "custom_response_breach_due",
	(rules.RESOLUTION, rules.AT_RISK): "custom_resolution_warn_due",
	(rules.RESOLUTION, rules.BREACH): "custom_resolution_breach_due",
}
TOKEN = "custom_ticket_sla_token"
STORED = (*AT_RISK_AT.values(), *DUE.values(), TOKEN)


def _datetime(value):
	return get_datetime(value) if value else None


def warn_percent() -> int:
	settings = frappe.get_cached_doc(SETTINGS)
	try:
		return rules.check_warn_percent(settings.get("ticket_sla_warn_percent") or 0)
	except ValueError:
		return rules.DEFAULT_WARN_PERCENT


def calendar(sla_name: str) -> rules.HelpdeskCalendar:
	"""The SLA's working hours and holidays, from Frappe's document cache (cleared when either is
	saved)."""
	sla = frappe.get_cached_doc("HD Service Level Agreement", sla_name)
	holidays = []
	if sla.get("holiday_list"):
		holiday_list = frappe.get_cached_doc("HD Service Holiday List", sla.holiday_list)
		holidays = [row.holiday_date for row in holiday_list.get("holidays") or []]
	return rules.HelpdeskCalendar.from_rows(sla.get("support_and_resolution") or [], holidays)


def resolution_applies(sla_name: str | None) -> bool:
	return bool(
		sla_name
		and frappe.get_cached_value("HD Service Level Agreement", sla_name, "apply_sla_for_resolution")
	)


def points(doc, metric: str, percent: int) -> dict:
	"""The stored fields of `metric` for the ticket's current target."""
	target = _datetime(doc.get(TARGET[metric]))
	empty = {AT_RISK_AT[metric]: None, DUE[(metric, rules.AT_RISK)]: None, DUE[(metric, rules.BREACH)]: None}
	if not target or not doc.get("sla"):
		return empty
	if metric == rules.RESPONSE and doc.get("first_responded_on"):
		return empty
	if metric == rules.RESOLUTION and (not resolution_applies(doc.sla) or doc.get("resolution_date")):
		return empty
	start = rules.sla_start(
		_datetime(doc.get("service_level_agreement_creation")),
		doc.get("opening_date"),
		doc.get("opening_time"),
	)
	point = rules.warn_point(calendar(doc.sla), start, target, percent) if percent else None
	return {
		AT_RISK_AT[metric]: point,
		DUE[(metric, rules.AT_RISK)]: point if point and point < target else None,
		DUE[(metric, rules.BREACH)]: target,
	}


def on_ticket_before_save(doc, method=None) -> None:
	"""HD Ticket before_save, after Helpdesk's apply_sla."""
	before = doc.get_doc_before_save()
	if before is not None:
		for field in STORED:
			doc.set(field, before.get(field))
	percent = None
	for metric in rules.METRICS:
		target = _datetime(doc.get(TARGET[metric]))
		if before is not None and target == _datetime(before.get(TARGET[metric])):
			continue
		if percent is None:
			percent = warn_percent()
		for field, value in points(doc, metric, percent).items():
			doc.set(field, value)
	if doc.get("first_responded_on"):
		# answered: no first-response notice is owed any more (the sweep checks it as well)
		doc.set(DUE[(rules.RESPONSE, rules.AT_RISK)], None)
		doc.set(DUE[(rules.RESPONSE, rules.BREACH)], None)


def validate_settings(doc, method=None) -> None:
	"""CRM Order Extension Settings validate: the warning threshold is 0 to 99 %."""
	try:
		rules.check_warn_percent(doc.get("ticket_sla_warn_percent") or 0)
	except ValueError:
		frappe.throw(
			_("At Risk At must be a whole percent from 0 (no warning) to 99."), title=_("Helpdesk Ticket SLA")
		)


def on_settings_update(doc, method=None) -> None:
	"""A new warning threshold moves the pending warnings of open tickets (after commit, one job)."""
	before = doc.get_doc_before_save()
	if before is None or (before.get("ticket_sla_warn_percent") or 0) == (
		doc.get("ticket_sla_warn_percent") or 0
	):
		return
	frappe.enqueue(
		"crm_order_extension.ticket_sla.targets.rearm_open_tickets",
		queue="long",
		enqueue_after_commit=True,
		job_id="crm_order_extension:ticket_sla_rearm",
		deduplicate=True,
	)


def rearm_open_tickets(names: list | None = None, now=None) -> int:
	"""Recompute the at-risk points of open tickets whose warning is still ahead (their targets are
	Helpdesk's and stay as they are). Also the backfill for tickets made before the app."""
	from frappe.utils import now_datetime

	now = now or now_datetime()
	percent = warn_percent()
	count = 0
	for metric in rules.METRICS:
		target = TARGET[metric]
		filters = {target: (">", now), "sla": ("is", "set")}
		if names is not None:
			filters["name"] = ("in", names)
		rows = frappe.get_all(
			TICKET,
			filters=filters,
			fields=[
				"name",
				"sla",
				target,
				"first_responded_on",
				"resolution_date",
				"service_level_agreement_creation",
				"opening_date",
				"opening_time",
				AT_RISK_AT[metric],
				DUE[(metric, rules.AT_RISK)],
			],
		)
		for row in rows:
			already_warned = (
				row.get(AT_RISK_AT[metric])
				and not row.get(DUE[(metric, rules.AT_RISK)])
				and (_datetime(row.get(AT_RISK_AT[metric])) <= now)
			)
			values = points(row, metric, percent)
			if already_warned:
				values.pop(DUE[(metric, rules.AT_RISK)])
			frappe.db.set_value(TICKET, row.name, values, update_modified=False)
			count += 1
	return count
