"""Helpdesk ticket SLA sweep, called from the 5-minute SLA sweep (sla/sweep.py).

For each metric (first response, resolution) and crossing (at-risk point, target) the rows whose
indexed pending column passed (`custom_<metric>_<warn|breach>_due <= now`) are read by the index
without locks, then claimed by name (utils/claim.py: no deadlock with another sweep): the claim
empties the pending column and stamps this sweep's token on the rows still owed a notice (open, not
answered or resolved, quiet while paused if so set, the target not yet passed for a warning); a
breach also sets `agreement_status` to Failed where Helpdesk's own `handle_agreement_status` would.
One SELECT by token reads exactly those rows back. No document is loaded and nothing is committed
here: the job runner commits the claims with their notices, or rolls both back and the next sweep
claims them again. Two sweeps racing cannot both claim a row: InnoDB serialises their UPDATEs on
the row lock and the second re-reads the row, whose pending column is empty by then.
"""

import frappe
from frappe.query_builder import Case

from crm_order_extension import compat
from crm_order_extension.core import ticket_sla as rules
from crm_order_extension.sla.notices import role_users
from crm_order_extension.ticket_sla import notices
from crm_order_extension.ticket_sla.targets import DUE, TARGET, TICKET, TOKEN
from crm_order_extension.utils.claim import claim_by_name

DONE = {rules.RESPONSE: "first_responded_on", rules.RESOLUTION: "resolution_date"}
SETTING = {rules.RESPONSE: "ticket_sla_first_response", rules.RESOLUTION: "ticket_sla_resolution"}
FAILED = "Failed"


def context() -> frappe._dict:
	"""What the claims' conditions need from the site, read once per sweep."""
	settings = frappe.get_cached_doc("CRM Order Extension Settings")
	return frappe._dict(
		settings=settings,
		closed=compat.closed_ticket_statuses() or ["Closed"],
		categories=compat.ticket_statuses_have_categories(),
		failed_while_paused=compat.paused_ticket_shows_failed(),
		quiet=bool(settings.get("ticket_sla_quiet_when_paused")),
	)


def _open(t, metric: str, ctx):
	"""Not answered (first response) or resolved (resolution), and not closed."""
	return t[DONE[metric]].isnull() & t.status.notin(ctx.closed)


def _paused(t, ctx):
	condition = t.on_hold_since.isnotnull()
	if ctx.categories:
		condition |= t.status_category == "Paused"
	return condition


def claim(metric: str, kind: str, now, ctx, scope=None) -> list[dict]:
	"""Claim the rows of `metric` whose `kind` point passed; return those owed a notice."""
	t = frappe.qb.DocType(TICKET)
	due = t[DUE[(metric, kind)]]
	target = t[TARGET[metric]]
	token = frappe.generate_hash(length=16)
	owed = _open(t, metric, ctx) & target.isnotnull()
	owed &= (target > now) if kind == rules.AT_RISK else (target <= now)
	if ctx.quiet:
		owed &= ~_paused(t, ctx)
	where = due <= now
	if scope is not None:
		where &= scope(t)
	assignments = [(due, None), (t[TOKEN], Case().when(owed, token).else_(t[TOKEN]))]
	if kind == rules.BREACH:
		# Helpdesk's is_first_response_failed / is_resolution_failed; a paused ticket shows Paused
		# where its handle_agreement_status ranks Paused above Failed (v1.5)
		failed = _open(t, metric, ctx) & target.isnotnull() & (target <= now)
		if not ctx.failed_while_paused:
			failed &= t.on_hold_since.isnull()
		assignments.append((t.agreement_status, Case().when(failed, FAILED).else_(t.agreement_status)))
	claim_by_name(t, where, assignments)
	return (
		frappe.qb.from_(t)
		.select(
			t.name,
			t.subject,
			t.customer,
			t.agent_group,
			t._assign,
			target.as_("due"),
		)
		.where(t[TOKEN] == token)
		.orderby(target)
		.run(as_dict=True)
	)


def sweep_tickets(now, ctx=None, scope=None) -> dict:
	"""Claim every crossing of the enabled metrics; {(metric, kind): rows}. Breaches first, so a
	ticket whose target passed before a sweep saw its warning point gets the breach only."""
	ctx = ctx or context()
	found = {}
	for metric in rules.METRICS:
		if not ctx.settings.get(SETTING[metric]):
			continue
		for kind in (rules.BREACH, rules.AT_RISK):
			found[(metric, kind)] = claim(metric, kind, now, ctx, scope)
	return found


def sweep(now, users: dict | None = None, scope=None) -> dict:
	"""The ticket part of the 5-minute SLA sweep: claim, then announce each claimed crossing once.
	`scope(table)` narrows the claims (tests and the benchmark sweep only their own tickets)."""
	if not frappe.db.table_exists(TICKET) or not frappe.get_meta(TICKET).has_field(TOKEN):
		return {}
	ctx = context()
	found = sweep_tickets(now, ctx, scope)
	watchers = role_users(ctx.settings.get("ticket_sla_notify_role"))
	cache = users if users is not None else {}
	totals = {}
	for (metric, kind), rows in found.items():
		notices.announce(rows, metric, kind, watchers, cache, now)
		totals[f"ticket_{metric}_{kind}"] = len(rows)
	return totals
