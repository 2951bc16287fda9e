"""Deliver SLA notices where people work (Frappe adapter over core.sla_notices).

Per recipient and notice: a Notification Log of type "Alert" (Desk's bell) and, when the user's
Notification Settings allow email, one email through the Email Queue; a CRM Notification (the /crm
notifications panel, refreshed by CRM's own "crm_notification" realtime event); and for the owner a
realtime event that public/js/sla_notices.js (Desk) and the CRM form scripts (/crm) turn into an
alert. Everything is written in the caller's transaction and every realtime event waits for its
commit, so a rolled-back sweep announces nothing and the next one announces it again, once.
"""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, get_url, now_datetime, strip_html

from crm_order_extension.core import sla_notices as rules
from crm_order_extension.utils.guard import guarded

CRM_ROUTE = {"CRM Lead": "leads", "CRM Deal": "deals"}
# CRM Notification.type has no SLA option. "Assignment" on a lead or deal (not a CRM Task) gets no
# URL hash in crm.api.notifications.get_hash, so a click opens the record itself; the owner is
# the one the record is assigned to.
CRM_NOTIFICATION_TYPE = "Assignment"
SAVEPOINT = "crm_order_extension_sla_notice"
EMAIL_SAVEPOINT = "crm_order_extension_sla_notice_email"


def subject(kind: str, doctype: str, name: str, lang: str | None = None) -> str:
	label = _(doctype, lang=lang)
	if kind == rules.BREACH:
		return _("SLA failed: {0} {1} was not answered in time", lang=lang).format(label, name)
	if kind == rules.RESOLUTION_MISSED:
		return _("SLA resolution target missed: {0} {1}", lang=lang).format(label, name)
	return _("SLA at risk: {0} {1} needs an answer soon", lang=lang).format(label, name)


def due_text(kind: str, due, lang: str | None = None) -> str:
	if not due:
		return ""
	if kind == rules.RESOLUTION_MISSED:
		return _("Resolution was due by {0}", lang=lang).format(format_datetime(due))
	return _("First response due by {0}", lang=lang).format(format_datetime(due))


def crm_url(doctype: str, name: str) -> str:
	return get_url(f"/crm/{CRM_ROUTE[doctype]}/{quote(name)}")


def load_users(users: list[str], cache: dict) -> None:
	"""User and Notification Settings of `users` not yet in `cache`, in two queries."""
	missing = [u for u in users if u not in cache]
	if not missing:
		return
	found = {
		u.name: u
		for u in frappe.get_all(
			"User", filters={"name": ("in", missing)}, fields=["name", "enabled", "email", "language"]
		)
	}
	prefs = {
		p.name: p
		for p in frappe.get_all(
			"Notification Settings",
			filters={"name": ("in", missing)},
			fields=["name", "enabled", "enable_email_notifications"],
		)
	}
	for user in missing:
		info = found.get(user)
		if not info:
			cache[user] = None
			continue
		pref = prefs.get(user)
		info.settings = rules.UserSettings(
			enabled=bool(info.enabled),
			notifications=None if pref is None else bool(pref.enabled),
			email_notifications=None if pref is None else bool(pref.enable_email_notifications),
		)
		cache[user] = info


def role_users(role: str | None) -> list[str]:
	"""Users of the optional notify role of the lead and the ticket sweeps."""
	if not role:
		return []
	return frappe.get_all(
		"Has Role",
		filters={"role": role, "parenttype": "User", "parent": ("not in", ("Administrator", "Guest"))},
		pluck="parent",
		distinct=True,
	)


def announce(doctype: str, rows: list[dict], kind: str, watchers: list[str], cache: dict) -> None:
	"""Tell the recipients of each claimed row; `cache` keeps users across calls of one sweep.

	Set-based, so a sweep that finds thousands of breaches at once (an outage, a holiday) announces
	them in a fixed number of statements plus one email per recipient: the Desk and /crm notices are
	bulk inserts, and a recipient with several notices of one kind gets one email listing them."""
	per_row = [rules.recipients(kind, row.owner_user, watchers) for row in rows]
	load_users(list(dict.fromkeys(user for users in per_row for user in users)), cache)
	desk, crm, emails, live = [], [], {}, []
	for row, users in zip(rows, per_row, strict=True):
		settings = {user: cache[user].settings for user in users if cache[user]}
		for delivery in rules.plan(kind, row.owner_user, watchers, settings):
			user = cache[delivery.user]
			notice = frappe._dict(
				user=delivery.user,
				name=row.name,
				due=row.get("due"),
				message=subject(kind, doctype, row.name, user.language or None),
			)
			if delivery.desk:
				desk.append(notice)
				if delivery.email:
					emails.setdefault(delivery.user, []).append(notice)
			if delivery.crm:
				crm.append(notice)
			if delivery.live:
				live.append(notice)
	title = _("SLA notices failed for {0} {1}").format(len(rows), _(doctype))
	with guarded(SAVEPOINT, title=title):
		add_notification_logs(doctype, kind, desk, cache)
		add_crm_notifications(doctype, crm)
	for user, notices in emails.items():
		send_email(doctype, kind, notices, cache[user])
	for notice in live:
		frappe.publish_realtime(
			rules.EVENTS[kind],
			{
				"doctype": doctype,
				"name": notice.name,
				"kind": kind,
				"message": notice.message,
				"due": str(notice.due or ""),
			},
			user=notice.user,
			after_commit=True,
		)


def _bulk_insert(doctype: str, fields: list[str], rows: list[tuple]) -> None:
	from crm_order_extension.orders.history import STANDARD_COLUMNS, insert_rows

	now = now_datetime()
	user = frappe.session.user
	insert_rows(
		doctype,
		[*STANDARD_COLUMNS, *fields],
		[(frappe.generate_hash(length=10), now, now, user, user, 0, 0, *row) for row in rows],
	)


def add_notification_logs(doctype: str, kind: str, notices: list, cache: dict) -> None:
	"""Desk's bell: one "Alert" Notification Log per notice in one statement, then what
	NotificationLog.after_insert does, once per user (Frappe never emails "Alert" logs)."""
	if not notices:
		return
	_bulk_insert(
		"Notification Log",
		[
			"for_user",
			"from_user",
			"type",
			"document_type",
			"document_name",
			"subject",
			"email_content",
			"read",
		],
		[
			(
				n.user,
				frappe.session.user,
				"Alert",
				doctype,
				n.name,
				n.message,
				due_text(kind, n.due, cache[n.user].language or None),
				0,
			)
			for n in notices
		],
	)
	users = sorted({n.user for n in notices})
	settings = frappe.qb.DocType("Notification Settings")
	frappe.qb.update(settings).set(settings.seen, 0).where(settings.name.isin(users)).run()
	for user in users:
		frappe.publish_realtime("notification", user=user, after_commit=True)


def add_crm_notifications(doctype: str, notices: list) -> None:
	"""The /crm notifications panel: one CRM Notification per notice in one statement; the panel
	re-reads on CRM's own event, once per user after commit."""
	if not notices:
		return
	_bulk_insert(
		"CRM Notification",
		[
			"from_user",
			"to_user",
			"type",
			"message",
			"notification_text",
			"notification_type_doctype",
			"notification_type_doc",
			"reference_doctype",
			"reference_name",
			"read",
		],
		[
			(
				frappe.session.user,
				n.user,
				CRM_NOTIFICATION_TYPE,
				n.message,
				crm_notification_text(n.message),
				# the panel marks a notification read by this document when it is clicked
				doctype,
				n.name,
				doctype,
				n.name,
				0,
			)
			for n in notices
		],
	)
	for user in sorted({n.user for n in notices}):
		frappe.publish_realtime("crm_notification", user=user, after_commit=True)


def send_email(doctype: str, kind: str, notices: list, user) -> None:
	"""The email of a recipient's Desk notices of one sweep: one notice, its own email linking to the
	record in /crm; several, one email listing them, linking to the list."""
	lang = user.language or None
	at_risk = kind == rules.AT_RISK
	failure_title = _("SLA notice email to {0} failed").format(user.name)
	if len(notices) == 1:
		[notice] = notices
		send_notice_email(
			user,
			notice.message,
			due_text(kind, notice.due, lang),
			crm_url(doctype, notice.name),
			at_risk=at_risk,
			failure_title=failure_title,
			reference=(doctype, notice.name),
		)
		return
	message = digest_subject(kind, doctype, len(notices), lang)
	lines = "".join(
		f"<li>{escape_html(n.message)}{(' (' + escape_html(due_text(kind, n.due, lang)) + ')') if n.due else ''}</li>"
		for n in notices
	)
	send_notice_email(
		user,
		message,
		f"<ul>{lines}</ul>",
		get_url(f"/crm/{CRM_ROUTE[doctype]}"),
		at_risk=at_risk,
		failure_title=failure_title,
		reference=(doctype, notices[0].name),
		description_is_html=True,
	)


def digest_subject(kind: str, doctype: str, count: int, lang: str | None = None) -> str:
	label = _(doctype, lang=lang)
	if kind == rules.BREACH:
		return _("SLA failed: {0} {1} records were not answered in time", lang=lang).format(count, label)
	if kind == rules.RESOLUTION_MISSED:
		return _("SLA resolution target missed on {0} {1} records", lang=lang).format(count, label)
	return _("SLA at risk: {0} {1} records need an answer soon", lang=lang).format(count, label)


def send_notice_email(
	user,
	message: str,
	description: str,
	link: str,
	at_risk: bool,
	failure_title: str,
	reference: tuple,
	description_is_html: bool = False,
):
	"""One SLA notice email (lead or ticket), linked to its record (`reference`: doctype, name).
	Frappe's Notification Log never emails "Alert" logs (Notification Settings has no switch for
	them), so this is the only one."""
	if not user.email:
		return
	lang = user.language or None
	# Like Frappe's own notification email: no mail account must not cost the Desk notice.
	with guarded(EMAIL_SAVEPOINT, title=failure_title):
		frappe.sendmail(
			recipients=[user.email],
			subject=strip_html(message),
			template="new_notification",
			args={
				"body_content": escape_html(message),
				"description": description if description_is_html else escape_html(description),
				"doc_link": link,
			},
			header=[_("SLA Alert", lang=lang), "orange" if at_risk else "red"],
			reference_doctype=reference[0],
			reference_name=str(reference[1]),
		)


def crm_notification_text(message: str) -> str:
	return (
		'<div class="mb-2 leading-5 text-ink-gray-5">'
		f'<span class="font-medium text-ink-gray-9">{escape_html(message)}</span></div>'
	)
