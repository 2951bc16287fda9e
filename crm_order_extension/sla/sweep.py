"""The 5-minute SLA sweep (RQ cron): breached and at-risk leads and deals, each announced once.

Set-based: one UPDATE per condition over an index ((sla_status, response_by) for breaches) marks
the newly matching rows and stamps them with this sweep's claim token, then one SELECT by token
reads exactly those rows back. Cost follows the number of new breaches, not of all leads. Two
workers sweeping at once cannot both claim a row: InnoDB serialises their UPDATEs on the row lock
and the second re-reads the row, which no longer matches, so each breach is announced once. The
notices (sla/notices.py) are written in the same transaction as the claim, which the job runner
commits or rolls back as a whole.
"""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.core import sla_notices
from crm_order_extension.sla import cycles, notices

OWNER_FIELD = {"CRM Lead": "lead_owner", "CRM Deal": "deal_owner"}
TOKEN_FIELD = "custom_sla_sweep_token"
# sweep_doctype's result keys and the notice each one sends
KINDS = {
	"breached": sla_notices.BREACH,
	"resolution_failed": sla_notices.RESOLUTION_MISSED,
	"at_risk": sla_notices.AT_RISK,
}


def _claim(doctype: str, condition, values: dict, due_field: str) -> list[dict]:
	"""Mark the rows matching `condition` with `values` and return them (as they were claimed),
	with the target they missed or are about to miss as `due`."""
	table = frappe.qb.DocType(doctype)
	token = frappe.generate_hash(length=16)
	query = frappe.qb.update(table).set(table[TOKEN_FIELD], token).where(condition(table))
	for field, value in values.items():
		query = query.set(table[field], value)
	query.run()
	return (
		frappe.qb.from_(table)
		.select(table.name, table[OWNER_FIELD[doctype]].as_("owner_user"), table[due_field].as_("due"))
		.where(table[TOKEN_FIELD] == token)
		.run(as_dict=True)
	)


def _fail_running_cycles(doctype: str, now, scope=None) -> None:
	"""Running cycles past their target are exactly the breached ones (their rows mirror the
	lead's target); an indexed condition beats matching a list of parents."""
	row = frappe.qb.DocType(cycles.CYCLE_DOCTYPE)
	condition = (
		(row.outcome == cycles.RUNNING)
		& (row.response_by < now)
		& (row.parenttype == doctype)
		& (row.parentfield == cycles.CYCLES_FIELD)
	)
	if scope:
		condition &= scope(row)
	frappe.qb.update(row).set(row.outcome, rules.FAILED).where(condition).run()


def sweep_doctype(doctype: str, now, margin: timedelta, scope=None) -> dict:
	"""Claim the newly breached, resolution-failed and at-risk records. `scope(table)` narrows every
	condition (the benchmark sweeps only its own leads and their cycle rows)."""

	def scoped(condition):
		return (lambda t: condition(t) & scope(t)) if scope else condition

	breached = _claim(
		doctype,
		scoped(lambda t: (t.sla_status == rules.FIRST_RESPONSE_DUE) & (t.response_by < now)),
		{"sla_status": rules.FAILED},
		"response_by",
	)
	if breached:
		_fail_running_cycles(doctype, now, scope)
	resolution_failed = _claim(
		doctype,
		scoped(lambda t: (t.custom_resolution_status == cycles.RUNNING) & (t.custom_resolution_by < now)),
		{"custom_resolution_status": rules.FAILED},
		"custom_resolution_by",
	)
	at_risk = _claim(
		doctype,
		scoped(
			lambda t: (
				(t.sla_status == rules.FIRST_RESPONSE_DUE)
				& (t.response_by >= now)
				& (t.response_by <= now + margin)
				& (t.custom_sla_at_risk_notified == 0)
			)
		),
		{"custom_sla_at_risk_notified": 1},
		"response_by",
	)
	return {"breached": breached, "resolution_failed": resolution_failed, "at_risk": at_risk}


def role_users(role: str | None) -> list[str]:
	if not role:
		return []
	return frappe.get_all(
		"Has Role",
		filters={"role": role, "parenttype": "User", "parent": ("not in", ("Administrator", "Guest"))},
		pluck="parent",
		distinct=True,
	)


def sweep(now=None) -> dict:
	"""Scheduler entry point (cron */5). No commit of its own: the job runner commits the claims
	and their notices together (or rolls both back, and the next sweep claims the rows again)."""
	settings = frappe.get_cached_doc("CRM Order Extension Settings")
	now = now or now_datetime()
	margin = timedelta(minutes=int(settings.at_risk_minutes or 30))
	watchers = role_users(settings.sla_notify_role)
	users = {}
	totals = {"breached": 0, "resolution_failed": 0, "at_risk": 0}
	for doctype in cycles.SLA_DOCTYPES:
		found = sweep_doctype(doctype, now, margin)
		for key, kind in KINDS.items():
			notices.announce(doctype, found[key], kind, watchers, users)
			totals[key] += len(found[key])
	return totals
