"""The 5-minute SLA sweep (RQ cron): breached and at-risk leads and deals, each announced once.

Breaches are decided from the app's own cycle log, never from the record's `sla_status`: CRM's
own `apply_sla` marks a lead Failed when anyone saves it after its target, and a customer email may
start a new cycle before the sweep saw the old one fail. A cycle carries `sweep_due` (its target)
from its start until it is answered in time, superseded in time, or announced; so every cycle that
passes its target without a reply in time is announced exactly once, whatever else touched the
lead.

Set-based: one UPDATE per condition over an index (`sweep_due` for breaches; the cycles read by
that index without locks and claimed by name, utils/claim.py, so two sweeps cannot deadlock) marks
the newly matching rows and stamps them with this sweep's claim token, then one SELECT by token reads
exactly those rows back. Cost follows the number of new breaches, not of all leads. Two workers sweeping
at once cannot both claim a row: InnoDB serialises their UPDATEs on the row lock and the second
re-reads the row, which no longer matches. The notices (sla/notices.py) are written in the same
transaction as the claim, which the job runner commits or rolls back as a whole.
"""

from datetime import timedelta

import frappe
from frappe.query_builder import Case
from frappe.utils import now_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.core import sla_notices
from crm_order_extension.sla import cycles, notices
from crm_order_extension.utils.claim import claim_by_name

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


def _claim_breached_cycles(doctype: str, now, scope=None) -> list[dict]:
	"""Claim the cycles of `doctype` whose target passed while they still wait for a notice, fail
	them (a late reply already failed its cycle) and the records still showing them as due, and
	return one row per breached cycle: the record, its owner and the missed target."""
	row = frappe.qb.DocType(cycles.CYCLE_DOCTYPE)
	token = frappe.generate_hash(length=16)
	condition = (row.sweep_due < now) & (row.parenttype == doctype) & (row.parentfield == cycles.CYCLES_FIELD)
	if scope:
		condition &= scope(row)
	# by name, not by the sweep_due range: no deadlock with another sweep (utils/claim.py)
	claim_by_name(
		row,
		condition,
		[
			(row.sweep_due, None),
			(row.sweep_token, token),
			(row.outcome, Case().when(row.outcome == cycles.RUNNING, rules.FAILED).else_(row.outcome)),
		],
	)
	table = frappe.qb.DocType(doctype)
	claimed = (
		frappe.qb.from_(row)
		.join(table)
		.on(table.name == row.parent)
		.select(table.name, table[OWNER_FIELD[doctype]].as_("owner_user"), row.response_by.as_("due"))
		.where((row.sweep_token == token) & (row.parenttype == doctype))
		.orderby(row.response_by)
		.run(as_dict=True)
	)
	names = sorted({r.name for r in claimed})
	if names:
		# The record shows the newest cycle: Failed only while that one is the breached one.
		(
			frappe.qb.update(table)
			.set(table.sla_status, rules.FAILED)
			.where(
				table.name.isin(names)
				& (table.sla_status == rules.FIRST_RESPONSE_DUE)
				& (table.response_by < now)
			)
			.run()
		)
	return claimed


def sweep_doctype(doctype: str, now, margin: timedelta, scope=None) -> dict:
	"""Claim the newly breached cycles and the newly resolution-failed and at-risk records.
	`scope(table)` narrows every condition (the benchmark sweeps only its own leads and their
	cycle rows)."""

	def scoped(condition):
		return (lambda t: condition(t) & scope(t)) if scope else condition

	breached = _claim_breached_cycles(doctype, now, scope)
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


def sweep(now=None) -> dict:
	"""Scheduler entry point (cron */5). No commit of its own: the job runner commits the claims
	and their notices together (or rolls both back, and the next sweep claims the rows again).
	Chosen as a deadlock's victim (by another transaction; sweeps claim by name), InnoDB has rolled
	the whole transaction back: the sweep runs once more at once instead of waiting for the next
	tick."""
	try:
		return _sweep(now)
	except frappe.QueryDeadlockError:
		frappe.db.rollback()
		return _sweep(now)


def _sweep(now=None) -> dict:
	settings = frappe.get_cached_doc("CRM Order Extension Settings")
	now = now or now_datetime()
	margin = timedelta(minutes=int(settings.at_risk_minutes or 30))
	watchers = notices.role_users(settings.sla_notify_role)
	users = {}
	totals = {"breached": 0, "resolution_failed": 0, "at_risk": 0}
	for doctype in cycles.SLA_DOCTYPES:
		found = sweep_doctype(doctype, now, margin)
		for key, kind in KINDS.items():
			notices.announce(doctype, found[key], kind, watchers, users)
			totals[key] += len(found[key])
	from crm_order_extension.ticket_sla.sweep import sweep as sweep_tickets

	totals.update(sweep_tickets(now, users))
	return totals
