"""Ticket SLA benchmark: `bench --site SITE crm-orders benchmark-ticket-sla [--tickets 5000,100000]`.

Bulk-creates open HD Tickets of its own (plain rows, subject `SUBJECT`, names from `BASE` up; all
removed in `finally`, also when interrupted; every sweep here is scoped to them), each with armed
notice points ahead of now and 1 % with a first-response warning point just passed; then, per size,
in one run: (a) the app's set-based claims (median of several runs, each on re-armed tickets),
(b) the notice work for the claimed crossings (HD Notification, Notification Log; email off for
the benchmark's agent), per crossing, and (c) Helpdesk's own per-ticket SLA refresh — the body of
its hourly `update_sla_status_in_ticket` (v1.2x; v1.5 refreshes `agreement_status` only when a
ticket is saved): load the ticket and its SLA, `handle_agreement_status`, `set_value`, commit —
timed on a sample and extrapolated to every open ticket.
"""

import statistics
import time
from datetime import datetime, timedelta

import frappe
from frappe.utils import now_datetime

from crm_order_extension.core import ticket_sla as rules
from crm_order_extension.orders.history import STANDARD_COLUMNS, insert_rows
from crm_order_extension.ticket_sla import notices, sweep
from crm_order_extension.ticket_sla.targets import AT_RISK_AT, DUE

SUBJECT = "COE-BENCH-TICKET-SLA"
BASE = 9_100_000_000
AGENT = "coe-bench-ticket-sla@example.com"
SAMPLE = 1000
RUNS = 5


def own(table):
	return table.subject == SUBJECT


def default_sla() -> str | None:
	return frappe.db.get_value(
		"HD Service Level Agreement", {"default_sla": 1, "enabled": 1}
	) or frappe.db.get_value("HD Service Level Agreement", {"enabled": 1})


def ensure_agent() -> None:
	if frappe.db.exists("User", AGENT):
		return
	frappe.get_doc(
		{
			"doctype": "User",
			"email": AGENT,
			"first_name": "Ticket SLA Benchmark",
			"send_welcome_email": 0,
			"roles": [{"role": "Agent"}],
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Notification Settings", AGENT, "enable_email_notifications", 0)
	frappe.db.commit()


def ensure_tickets(count: int, now: datetime, sla: str) -> None:
	existing = frappe.db.count("HD Ticket", {"subject": SUBJECT})
	priority = frappe.db.get_value("HD Service Level Agreement", sla, "default_priority")
	fields = [
		*STANDARD_COLUMNS,
		"subject",
		"raised_by",
		"status",
		"priority",
		"sla",
		"agreement_status",
		"service_level_agreement_creation",
		"opening_date",
		"response_by",
		"resolution_by",
		"_assign",
	]
	if frappe.get_meta("HD Ticket").has_field("status_category"):
		fields.append("status_category")
	assign = frappe.as_json([AGENT])
	batch = []
	for n in range(existing, count):
		row = [
			str(BASE + n),
			now,
			now,
			"Administrator",
			"Administrator",
			0,
			0,
			SUBJECT,
			"bench@example.com",
			"Open",
			priority,
			sla,
			"First Response Due",
			now,
			now.date(),
			now + timedelta(days=1),
			now + timedelta(days=2),
			assign,
		]
		if "status_category" in fields:
			row.append("Open")
		batch.append(tuple(row))
		if len(batch) == 5000:
			insert_rows("HD Ticket", fields, batch)
			frappe.db.commit()
			batch = []
	if batch:
		insert_rows("HD Ticket", fields, batch)
	frappe.db.commit()


def rearm(now: datetime) -> int:
	"""Every benchmark ticket open and owed all four notices ahead of now; every 100th has its
	first-response warning point a minute ago. Returns how many cross."""
	t = frappe.qb.DocType("HD Ticket")
	query = frappe.qb.update(t).set(t.agreement_status, "First Response Due").set(t[sweep.TOKEN], None)
	for metric in rules.METRICS:
		query = query.set(t[AT_RISK_AT[metric]], now + timedelta(hours=18))
		query = query.set(t[DUE[(metric, rules.AT_RISK)]], now + timedelta(hours=18))
	query = query.set(t[DUE[(rules.RESPONSE, rules.BREACH)]], now + timedelta(days=1))
	query = query.set(t[DUE[(rules.RESOLUTION, rules.BREACH)]], now + timedelta(days=2))
	query.where(own(t)).run()
	crossing = (
		frappe.qb.update(t)
		.set(t[DUE[(rules.RESPONSE, rules.AT_RISK)]], now - timedelta(minutes=1))
		.where(own(t) & (t.name.like("%00")))
	)
	crossing.run()
	frappe.db.commit()
	return frappe.db.count("HD Ticket", {"subject": SUBJECT, "name": ("like", "%00")})


def remove() -> None:
	t = frappe.qb.DocType("HD Ticket")
	frappe.qb.from_(t).delete().where(own(t)).run()
	frappe.db.delete("Notification Log", {"for_user": AGENT})
	frappe.db.delete("HD Notification", {"user_to": AGENT})
	frappe.db.commit()
	if frappe.db.exists("User", AGENT):
		frappe.delete_doc("User", AGENT, force=True, ignore_permissions=True, delete_permanently=True)
		frappe.db.delete("Notification Settings", {"name": AGENT})
	frappe.db.commit()


def timed(fn):
	start = time.perf_counter()
	result = fn()
	return time.perf_counter() - start, result


def retrying(fn, attempts: int = 5):
	"""Run `fn` again after a deadlock: tests or the scheduler's sweep may share the site."""
	for attempt in range(attempts):
		try:
			return fn()
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise
			time.sleep(0.2)


def helpdesk_refresh(names: list[str]) -> None:
	"""The body of Helpdesk's hourly update_sla_status_in_ticket (v1.2x), per ticket."""
	for name in names:
		retrying(lambda name=name: refresh_one(name))


def refresh_one(name: str) -> None:
	doc = frappe.get_doc("HD Ticket", name)
	sla = frappe.get_doc("HD Service Level Agreement", doc.sla)
	sla.handle_agreement_status(doc)
	frappe.db.set_value(
		"HD Ticket", doc.name, "agreement_status", doc.agreement_status, update_modified=False
	)
	frappe.db.commit()


def measure(size: int, now: datetime) -> dict:
	ctx = sweep.context()
	claims, notice_runs, crossings = [], [], 0
	for _ in range(RUNS):
		for attempt in range(3):
			crossings = retrying(lambda: rearm(now))
			time.sleep(1)
			try:
				elapsed, found = timed(lambda: sweep.sweep_tickets(now, ctx, scope=own))
				break
			except frappe.QueryDeadlockError:
				# another process (a test run, the scheduler's sweep) locked the same index range:
				# InnoDB rolled this claim back whole, as it would a real sweep's; measure again
				frappe.db.rollback()
				if attempt == 2:
					raise
		claims.append(elapsed)
		claimed = sum(len(rows) for rows in found.values())
		cache = {}
		notice_time, _none = timed(
			lambda: [
				notices.announce(rows, metric, kind, [], cache, now) for (metric, kind), rows in found.items()
			]
		)
		notice_runs.append(notice_time)
		frappe.db.commit()
	assert claimed == crossings, (claimed, crossings)
	rearm(now)
	names = [str(BASE + n) for n in range(0, size, max(1, size // SAMPLE))][:SAMPLE]
	refresh_time, _none = timed(lambda: helpdesk_refresh(names))
	refresh_estimate = refresh_time * size / len(names)
	ours = statistics.median(claims)
	notice = statistics.median(notice_runs)
	job = "its hourly update_sla_status_in_ticket" if _helpdesk_job() else "no hourly job here: on save only"
	print(f"open tickets: {size}, crossing: {crossings} (1 %)")
	print(
		f"(a) set-based claims (per crossing kind: SELECT by index, UPDATE by name, SELECT by token): "
		f"{ours * 1000:8.1f} ms "
		f"(median of {RUNS}; best {min(claims) * 1000:.1f} ms)"
	)
	print(
		f"(b) notices for {crossings} crossings: {notice * 1000:8.1f} ms, "
		f"{notice * 1000 / max(crossings, 1):.2f} ms per crossing"
	)
	print(
		f"(c) Helpdesk's per-ticket SLA refresh ({job}): {refresh_time * 1000:.0f} ms for {len(names)} "
		f"tickets, ~{refresh_estimate:.1f} s extrapolated to {size}; (c)/(a) = {refresh_estimate / ours:,.0f}x"
	)
	return {
		"tickets": size,
		"crossings": crossings,
		"claims_ms": ours * 1000,
		"notices_ms": notice * 1000,
		"notice_ms_per_crossing": notice * 1000 / max(crossings, 1),
		"helpdesk_refresh_estimate_s": refresh_estimate,
	}


def _helpdesk_job():
	from crm_order_extension import compat

	return compat.helpdesk_sla_status_job()


def run(sizes: list[int] | None = None) -> list[dict]:
	sizes = sorted(sizes or [5000, 100_000])
	now = now_datetime().replace(microsecond=0)
	sla = default_sla()
	if not sla:
		raise SystemExit("no enabled HD Service Level Agreement on this site")
	figures = []
	try:
		ensure_agent()
		for size in sizes:
			print(f"Preparing {size} open tickets ...", flush=True)
			ensure_tickets(size, now, sla)
			figures.append(measure(size, now))
	finally:
		frappe.db.rollback()
		remove()
	return figures
