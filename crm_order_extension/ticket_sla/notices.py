"""Deliver ticket SLA notices where agents work (Frappe adapter over core.ticket_sla).

Per recipient and notice: an HD Notification (the /helpdesk notifications panel; a click opens the
ticket), a Notification Log of type "Alert" (Desk's bell) and, when the user's Notification
Settings allow email, one email linking to the ticket in /helpdesk; for the agents who have to act,
a realtime event that Desk (public/js/sla_notices.js) shows as an alert, reloading the open ticket
form. Everything is written in the sweep's transaction and every realtime event waits for its
commit, so a rolled-back sweep announces nothing and the next one announces it again, once.
"""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, get_url, strip_html

from crm_order_extension import compat
from crm_order_extension.core import ticket_sla as rules
from crm_order_extension.orders.history import publish_ticket_update
from crm_order_extension.sla.notices import load_users, send_notice_email
from crm_order_extension.utils.guard import guarded

TICKET = "HD Ticket"
SAVEPOINT = "crm_order_extension_ticket_sla_notice"


def duration_text(seconds: float, lang: str | None = None) -> str:
	days, hours, minutes = rules.split_duration(seconds)
	parts = []
	if days:
		parts.append(_("{0} d", lang=lang).format(days))
	if hours:
		parts.append(_("{0} h", lang=lang).format(hours))
	if minutes or not parts:
		parts.append(_("{0} min", lang=lang).format(minutes))
	return " ".join(parts)


def subject(metric: str, kind: str, row, now, lang: str | None = None) -> str:
	"""One line: the ticket, its customer, what is at stake and the time left or overdue."""
	ticket = _("Ticket {0}", lang=lang).format(row.name)
	if row.get("customer"):
		ticket = _("{0} ({1})", lang=lang).format(ticket, row.customer)
	left = (row.due - now).total_seconds() if row.get("due") else 0
	time = duration_text(left, lang)
	if kind == rules.AT_RISK and metric == rules.RESPONSE:
		return _("SLA at risk: {0} needs a first response within {1}", lang=lang).format(ticket, time)
	if kind == rules.AT_RISK:
		return _("SLA at risk: {0} must be resolved within {1}", lang=lang).format(ticket, time)
	if metric == rules.RESPONSE:
		return _("SLA failed: {0} got no first response in time, overdue by {1}", lang=lang).format(
			ticket, time
		)
	return _("SLA failed: {0} was not resolved in time, overdue by {1}", lang=lang).format(ticket, time)


def due_text(metric: str, row, lang: str | None = None) -> str:
	due = row.get("due")
	if not due:
		return ""
	if metric == rules.RESOLUTION:
		text = _("Resolution due by {0}", lang=lang).format(format_datetime(due))
	else:
		text = _("First response due by {0}", lang=lang).format(format_datetime(due))
	if row.get("subject"):
		text = f"{text} · {row.subject}"
	return text


def helpdesk_url(name) -> str:
	return get_url(f"/helpdesk/tickets/{quote(str(name))}")


def team_members(teams: list[str]) -> dict[str, list[str]]:
	"""The users of each HD Team, in one query."""
	if not teams:
		return {}
	members: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"HD Team Member",
		filters={"parenttype": "HD Team", "parent": ("in", teams)},
		fields=["parent", "user"],
		order_by="idx asc",
	):
		if row.user:
			members.setdefault(row.parent, []).append(row.user)
	return members


def announce(rows: list[dict], metric: str, kind: str, watchers: list[str], cache: dict, now) -> None:
	"""Tell the recipients of each claimed ticket; `cache` keeps users across calls of one sweep."""
	if not rows:
		return
	teams = team_members(sorted({r.agent_group for r in rows if r.get("agent_group")}))
	per_row = []
	for row in rows:
		assigned = rules.assigned_users(row.get("_assign"))
		team = [] if assigned else teams.get(row.get("agent_group"), [])
		per_row.append((assigned, team))
	load_users(
		list(
			dict.fromkeys(
				user
				for assigned, team in per_row
				for user in rules.recipients(kind, assigned, team, watchers)
			)
		),
		cache,
	)
	for row, (assigned, team) in zip(rows, per_row, strict=True):
		users = rules.recipients(kind, assigned, team, watchers)
		settings = {user: cache[user].settings for user in users if cache.get(user)}
		for delivery in rules.plan(kind, assigned, team, watchers, settings):
			deliver(row, metric, kind, delivery, cache[delivery.user], now)
		if kind == rules.BREACH:
			# an open ticket page reloads and shows Failed (Helpdesk's own event, after commit)
			publish_ticket_update(row.name)


def deliver(row, metric: str, kind: str, delivery: rules.Delivery, user, now) -> None:
	"""One recipient's channels. A failure is logged and costs this recipient's notice only."""
	lang = user.language or None
	message = subject(metric, kind, row, now, lang)
	name = str(row.name)
	title = _("Ticket SLA notice to {0} failed for ticket {1}").format(delivery.user, name)
	with guarded(SAVEPOINT, title=title):
		if delivery.helpdesk:
			add_helpdesk_notification(name, message, delivery.user, panel_label(kind, lang))
		if delivery.desk:
			frappe.get_doc(
				{
					"doctype": "Notification Log",
					"for_user": delivery.user,
					"type": "Alert",
					"document_type": TICKET,
					"document_name": name,
					"subject": message,
					"email_content": due_text(metric, row, lang),
				}
			).insert(ignore_permissions=True)
			if delivery.email:
				send_email(row, metric, kind, message, user)
		if delivery.live:
			frappe.publish_realtime(
				rules.EVENTS[(metric, kind)],
				{"doctype": TICKET, "name": name, "kind": kind, "metric": metric, "message": message},
				user=delivery.user,
				after_commit=True,
			)


def panel_label(kind: str, lang: str | None = None) -> str:
	"""What the notice is, in a few words, where the panel can show no more (see below)."""
	return _("SLA at risk", lang=lang) if kind == rules.AT_RISK else _("SLA failed", lang=lang)


def add_helpdesk_notification(name: str, message: str, user: str, label: str) -> None:
	"""The /helpdesk notifications panel. HD Notification has no SLA type: see
	compat.hd_notification_type_for_notices for the one used and why, and
	compat.hd_notification_sender_for_notices for the sender (`label` where the panel shows the
	sender's value instead of the message: v1.5)."""
	sender = compat.hd_notification_sender_for_notices(label)
	notification = frappe.get_doc(
		{
			"doctype": "HD Notification",
			"user_from": sender,
			"user_to": user,
			"notification_type": compat.hd_notification_type_for_notices(),
			"reference_ticket": name,
			"message": message,
		}
	)
	notification.flags.ignore_links = sender != frappe.session.user
	notification.insert(ignore_permissions=True)
	# The panel re-reads on these events (v1.5: its resource cache; later: reactions), after commit.
	frappe.publish_realtime("refetch_resource", {"cache_key": "Notifications"}, user=user, after_commit=True)
	frappe.publish_realtime("helpdesk:comment-reaction-update", {}, user=user, after_commit=True)


def send_email(row, metric: str, kind: str, message: str, user) -> None:
	"""The email of a Desk notice; it links to the ticket in /helpdesk."""
	send_notice_email(
		user,
		message,
		due_text(metric, row, user.language or None),
		helpdesk_url(row.name),
		at_risk=kind == rules.AT_RISK,
		failure_title=_("Ticket SLA notice email to {0} failed").format(user.name),
		reference=(TICKET, row.name),
	)
