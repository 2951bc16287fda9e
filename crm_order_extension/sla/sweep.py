"""The 5-minute SLA sweep (RQ cron): breached and at-risk leads and deals, each announced once.

Set-based: one UPDATE per condition over an index ((sla_status, response_by) for breaches) marks
the newly matching rows and stamps them with this sweep's claim token, then one SELECT by token
reads exactly those rows back. Cost follows the number of new breaches, not of all leads. Two
workers sweeping at once cannot both claim a row: InnoDB serialises their UPDATEs on the row lock
and the second re-reads the row, which no longer matches, so each breach is announced once.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import cycles

OWNER_FIELD = {"CRM Lead": "lead_owner", "CRM Deal": "deal_owner"}
TOKEN_FIELD = "custom_sla_sweep_token"


def _claim(doctype: str, condition, values: dict, fields: list) -> list[dict]:
	"""Mark the rows matching `condition` with `values` and return them (as they were claimed)."""
	table = frappe.qb.DocType(doctype)
	token = frappe.generate_hash(length=16)
	query = frappe.qb.update(table).set(table[TOKEN_FIELD], token).where(condition(table))
	for field, value in values.items():
		query = query.set(table[field], value)
	query.run()
	return (
		frappe.qb.from_(table)
		.select(table.name, table[OWNER_FIELD[doctype]].as_("owner_user"), *[table[f] for f in fields])
		.where(table[TOKEN_FIELD] == token)
		.run(as_dict=True)
	)


def _fail_running_cycles(doctype: str, now) -> None:
	"""Running cycles past their target are exactly the breached ones (their rows mirror the
	lead's target); an indexed condition beats matching a list of parents."""
	row = frappe.qb.DocType(cycles.CYCLE_DOCTYPE)
	(
		frappe.qb.update(row)
		.set(row.outcome, rules.FAILED)
		.where(
			(row.outcome == cycles.RUNNING)
			& (row.response_by < now)
			& (row.parenttype == doctype)
			& (row.parentfield == cycles.CYCLES_FIELD)
		)
		.run()
	)


def sweep_doctype(doctype: str, now, margin: timedelta) -> dict:
	breached = _claim(
		doctype,
		lambda t: (t.sla_status == rules.FIRST_RESPONSE_DUE) & (t.response_by < now),
		{"sla_status": rules.FAILED},
		["response_by", "sla"],
	)
	if breached:
		_fail_running_cycles(doctype, now)
	resolution_failed = _claim(
		doctype,
		lambda t: (t.custom_resolution_status == cycles.RUNNING) & (t.custom_resolution_by < now),
		{"custom_resolution_status": rules.FAILED},
		["custom_resolution_by"],
	)
	at_risk = _claim(
		doctype,
		lambda t: (
			(t.sla_status == rules.FIRST_RESPONSE_DUE)
			& (t.response_by >= now)
			& (t.response_by <= now + margin)
			& (t.custom_sla_at_risk_notified == 0)
		),
		{"custom_sla_at_risk_notified": 1},
		["response_by", "sla"],
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


def notify(doctype: str, rows: list[dict], subject: str, event: str, extra_users: list[str]) -> None:
	for row in rows:
		users = {u for u in [row.owner_user, *extra_users] if u}
		message = subject.format(_(doctype), row.name)
		for user in users:
			frappe.get_doc(
				{
					"doctype": "Notification Log",
					"for_user": user,
					"type": "Alert",
					"document_type": doctype,
					"document_name": row.name,
					"subject": message,
				}
			).insert(ignore_permissions=True)
		if row.owner_user:
			frappe.publish_realtime(
				event,
				{"doctype": doctype, "name": row.name, "response_by": str(row.get("response_by") or "")},
				user=row.owner_user,
				after_commit=True,
			)


def sweep(now=None) -> dict:
	"""Scheduler entry point (cron */5). Commits: it runs as a background job."""
	settings = frappe.get_cached_doc("CRM Order Extension Settings")
	now = now or now_datetime()
	margin = timedelta(minutes=int(settings.at_risk_minutes or 30))
	extra = role_users(settings.sla_notify_role)
	totals = {"breached": 0, "resolution_failed": 0, "at_risk": 0}
	for doctype in cycles.SLA_DOCTYPES:
		found = sweep_doctype(doctype, now, margin)
		notify(
			doctype, found["breached"], _("SLA failed: {0} {1} was not answered in time"), "sla_failed", extra
		)
		notify(
			doctype,
			found["resolution_failed"],
			_("SLA resolution target missed: {0} {1}"),
			"sla_resolution_failed",
			extra,
		)
		notify(doctype, found["at_risk"], _("SLA at risk: {0} {1} needs an answer soon"), "sla_at_risk", [])
		frappe.db.commit()
		for key in totals:
			totals[key] += len(found[key])
	return totals
