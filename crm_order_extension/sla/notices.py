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
from frappe.utils import escape_html, format_datetime, get_url, strip_html

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
	"""Tell the recipients of each claimed row; `cache` keeps users across calls of one sweep."""
	per_row = [rules.recipients(kind, row.owner_user, watchers) for row in rows]
	load_users(list(dict.fromkeys(user for users in per_row for user in users)), cache)
	for row, users in zip(rows, per_row, strict=True):
		settings = {user: cache[user].settings for user in users if cache[user]}
		for delivery in rules.plan(kind, row.owner_user, watchers, settings):
			deliver(doctype, row, kind, delivery, cache[delivery.user])


def deliver(doctype: str, row, kind: str, delivery: rules.Delivery, user) -> None:
	"""One recipient's channels. A failure is logged and costs this recipient's notice only: the
	breach itself stays recorded and the other recipients are still told."""
	lang = user.language or None
	message = subject(kind, doctype, row.name, lang)
	due = row.get("due")
	title = _("SLA notice to {0} failed for {1} {2}").format(delivery.user, _(doctype), row.name)
	with guarded(SAVEPOINT, title=title):
		if delivery.desk:
			frappe.get_doc(
				{
					"doctype": "Notification Log",
					"for_user": delivery.user,
					"type": "Alert",
					"document_type": doctype,
					"document_name": row.name,
					"subject": message,
					"email_content": due_text(kind, due, lang),
				}
			).insert(ignore_permissions=True)
			if delivery.email:
				send_email(doctype, row.name, kind, message, due, user)
		if delivery.crm:
			add_crm_notification(doctype, row.name, message, delivery.user)
		if delivery.live:
			frappe.publish_realtime(
				rules.EVENTS[kind],
				{
					"doctype": doctype,
					"name": row.name,
					"kind": kind,
					"message": message,
					"due": str(due or ""),
				},
				user=delivery.user,
				after_commit=True,
			)


def send_email(doctype: str, name: str, kind: str, message: str, due, user) -> None:
	"""The email of a Desk notice; it links to the record in /crm."""
	lang = user.language or None
	send_notice_email(
		user,
		message,
		due_text(kind, due, lang),
		crm_url(doctype, name),
		at_risk=kind == rules.AT_RISK,
		failure_title=_("SLA notice email to {0} failed").format(user.name),
		reference=(doctype, name),
	)


def send_notice_email(
	user, message: str, description: str, link: str, at_risk: bool, failure_title: str, reference: tuple
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
			args={"body_content": escape_html(message), "description": description, "doc_link": link},
			header=[_("SLA Alert", lang=lang), "orange" if at_risk else "red"],
			reference_doctype=reference[0],
			reference_name=str(reference[1]),
		)


def add_crm_notification(doctype: str, name: str, message: str, user: str) -> None:
	frappe.get_doc(
		{
			"doctype": "CRM Notification",
			"from_user": frappe.session.user,
			"to_user": user,
			"type": CRM_NOTIFICATION_TYPE,
			"message": message,
			"notification_text": (
				'<div class="mb-2 leading-5 text-ink-gray-5">'
				f'<span class="font-medium text-ink-gray-9">{escape_html(message)}</span></div>'
			),
			# the panel marks a notification read by this document when it is clicked
			"notification_type_doctype": doctype,
			"notification_type_doc": name,
			"reference_doctype": doctype,
			"reference_name": name,
		}
	).insert(ignore_permissions=True)
	# CRM publishes this on insert already, but before commit the panel would re-read old data.
	frappe.publish_realtime("crm_notification", user=user, after_commit=True)
