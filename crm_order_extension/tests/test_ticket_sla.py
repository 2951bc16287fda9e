"""Helpdesk ticket SLA notices on real tickets under Helpdesk's own SLA: working hours (Mon-Fri
10:00-18:00), a holiday (Friday 2026-12-25) and a paused status; the at-risk point stored with
the targets, the set-based sweep, each notice once on every channel, Failed without a save.

Time is frozen (the targets are Helpdesk's, computed at the frozen moment); everything but the
concurrency class stays in the test's transaction and is rolled back.
"""

import json
import re
import threading
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, getdate, today

from crm_order_extension import compat
from crm_order_extension.api import ticket_sla as ticket_sla_api
from crm_order_extension.core import ticket_sla as rules
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_records, delete_users
from crm_order_extension.tests.concurrency import run_concurrently
from crm_order_extension.tests.test_sla_notices import EMAIL_ACCOUNT_ID, email_text, realtime_log
from crm_order_extension.ticket_sla import notices, sweep, targets

SLA = "COE Ticket SLA Test"
HOLIDAYS = "COE Ticket SLA Test Holidays"
SUBJECT = "COE ticket SLA"
CREATED = "2026-12-24 16:00:00"  # a Thursday; Friday 25th is a holiday
# High: first response 1 h, resolution 4 h of working time
RESPONSE_BY = get_datetime("2026-12-24 17:00:00")
RESPONSE_AT_RISK = get_datetime("2026-12-24 16:45:00")
RESOLUTION_BY = get_datetime("2026-12-28 12:00:00")  # Thu 16-18, holiday, weekend, Mon 10-12
RESOLUTION_AT_RISK = get_datetime("2026-12-28 11:00:00")


def ensure_sla() -> None:
	"""Our own SLA, picked by Helpdesk's get_sla for our tickets only (condition on the subject)."""
	if not frappe.db.exists("HD Service Holiday List", HOLIDAYS):
		frappe.get_doc(
			{
				"doctype": "HD Service Holiday List",
				"holiday_list_name": HOLIDAYS,
				"from_date": "2026-01-01",
				"to_date": "2027-12-31",
				"holidays": [{"holiday_date": "2026-12-25", "description": "Christmas"}],
			}
		).insert(ignore_permissions=True)
	if frappe.db.exists("HD Service Level Agreement", SLA):
		return
	doc = {
		"doctype": "HD Service Level Agreement",
		"service_level": SLA,
		"description": "crm_order_extension tests",
		"enabled": 1,
		"default_sla": 0,
		"condition": f"doc.subject and doc.subject.startswith('{SUBJECT}')",
		"apply_sla_for_resolution": 1,
		"holiday_list": HOLIDAYS,
		"default_priority": "High",
		"priorities": [
			{"priority": "High", "response_time": 3600, "resolution_time": 14400, "default_priority": 1}
		],
		"support_and_resolution": [
			{"workday": day, "start_time": "10:00:00", "end_time": "18:00:00"}
			for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
		],
	}
	if not compat.ticket_statuses_have_categories():
		# v1.5: the SLA lists its own paused and fulfilled statuses
		doc["pause_sla_on"] = [{"status": "Replied"}]
		doc["sla_fulfilled_on"] = [{"status": "Resolved"}, {"status": "Closed"}]
	frappe.get_doc(doc).insert(ignore_permissions=True)


def make_agent_user(label: str, email_notifications: bool = True) -> str:
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"coe-tsla-{label}-{frappe.generate_hash(length=6)}@example.com",
			"first_name": f"Ticket SLA {label}",
			"send_welcome_email": 0,
			"roles": [{"role": "Agent"}],
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Notification Settings",
		user.name,
		{"enable_email_notifications": int(email_notifications), "enable_email_assignment": 0},
	)
	return user.name


def emails_about(user: str, name: str, prefix: str) -> list[str]:
	"""Email Queue rows to `user` linking to ticket `name` whose notice starts with `prefix`."""
	address = frappe.db.get_value("User", user, "email")
	link = re.compile(rf"/helpdesk/tickets/{re.escape(name)}(?![0-9])")
	found = []
	for queued in frappe.get_all("Email Queue Recipient", filters={"recipient": address}, pluck="parent"):
		text = email_text(frappe.db.get_value("Email Queue", queued, "message"))
		if link.search(text) and prefix in text:
			found.append(queued)
	return found


def told(ticket, user: str, prefix: str) -> dict:
	name = str(ticket.name)
	return {
		"helpdesk": frappe.get_all(
			"HD Notification",
			filters={"user_to": user, "reference_ticket": name, "message": ("like", f"{prefix}%")},
			fields=["notification_type", "user_from", "message"],
		),
		"desk": frappe.get_all(
			"Notification Log",
			filters={
				"for_user": user,
				"document_type": "HD Ticket",
				"document_name": name,
				"subject": ("like", f"{prefix}%"),
			},
			pluck="subject",
		),
		"email": emails_about(user, name, prefix),
	}


class TicketSLACase(FrappeTestCase):
	users: list[str] = []
	records: list[tuple[str, str]] = []

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.had_email_account = frappe.db.exists("Email Account", {"email_id": EMAIL_ACCOUNT_ID})
		fx.ensure_outgoing_email_account()
		ensure_sla()

	def ticket(self, assign: list[str] | None = None, **kwargs):
		with self.freeze_time(CREATED):
			doc = fx.make_ticket(
				f"coe-tsla-{frappe.generate_hash(length=6)}@example.com",
				subject=f"{SUBJECT} {frappe.generate_hash(length=4)}",
				priority="High",
				**kwargs,
			)
		type(self).records.append(("HD Ticket", doc.name))
		self.mine.append(str(doc.name))
		if assign:
			frappe.db.set_value("HD Ticket", doc.name, "_assign", json.dumps(assign), update_modified=False)
		return doc

	def setUp(self):
		self.mine = []  # the tickets of this test: its sweeps claim only these

	def sweep_at(self, moment):
		before = realtime_log()
		with self.freeze_time(moment):
			totals = sweep.sweep(get_datetime(moment), scope=lambda t: t.name.isin(self.mine))
		return totals, realtime_log()[len(before) :]

	def stored(self, ticket, *fields):
		return frappe.db.get_value("HD Ticket", ticket.name, list(fields), as_dict=True)

	def assert_panel_reads(self, notification, label):
		"""The /helpdesk panel entry says what it is: its message where the panel shows a Reaction's
		message (v1.2x), else "<label> assigned you a ticket <ticket>" (v1.5 shows the sender's value)."""
		self.assertEqual(notification.notification_type, compat.hd_notification_type_for_notices())
		if notification.notification_type == "Reaction":
			self.assertEqual(notification.user_from, frappe.session.user)
		else:
			self.assertEqual((notification.notification_type, notification.user_from), ("Assignment", label))

	def assert_told_once(self, ticket, user, prefix, emailed=True):
		found = told(ticket, user, prefix)
		self.assertEqual(
			(len(found["helpdesk"]), len(found["desk"]), len(found["email"])), (1, 1, int(emailed)), found
		)
		return found


class TestTicketSLA(TicketSLACase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.agent = make_agent_user("agent")
		cls.quiet = make_agent_user("quiet", email_notifications=False)

	def test_targets_are_helpdesks_and_the_at_risk_points_its_working_time(self):
		ticket = self.ticket()
		row = self.stored(
			ticket,
			"sla",
			"response_by",
			"resolution_by",
			"custom_response_at_risk_at",
			"custom_resolution_at_risk_at",
			"custom_response_warn_due",
			"custom_resolution_breach_due",
		)
		self.assertEqual(row.sla, SLA)
		self.assertEqual((row.response_by, row.resolution_by), (RESPONSE_BY, RESOLUTION_BY))
		self.assertEqual(row.custom_response_at_risk_at, RESPONSE_AT_RISK)
		# 3 of 4 working hours: 2 on Thursday, none on the holiday or the weekend, 1 on Monday
		self.assertEqual(row.custom_resolution_at_risk_at, RESOLUTION_AT_RISK)
		self.assertEqual(
			(row.custom_response_warn_due, row.custom_resolution_breach_due),
			(RESPONSE_AT_RISK, RESOLUTION_BY),
		)
		# Helpdesk's own clock agrees with ours on its target
		sla = frappe.get_doc("HD Service Level Agreement", SLA)
		start = get_datetime(CREATED)
		self.assertEqual(get_datetime(sla.calc_time(start, "High", "resolution_time")), RESOLUTION_BY)

	def test_the_backfill_patch_arms_a_ticket_opened_before_the_app(self):
		from crm_order_extension.patches.v0_3 import ticket_sla_backfill

		ticket = self.ticket()
		frappe.db.set_value("HD Ticket", ticket.name, dict.fromkeys(targets.STORED), update_modified=False)
		with self.freeze_time("2026-12-24 16:30:00"):
			ticket_sla_backfill.execute()
		row = self.stored(
			ticket,
			"custom_response_at_risk_at",
			"custom_response_warn_due",
			"custom_response_breach_due",
			"custom_resolution_at_risk_at",
			"custom_resolution_breach_due",
		)
		self.assertEqual(
			tuple(row.values()),
			(RESPONSE_AT_RISK, RESPONSE_AT_RISK, RESPONSE_BY, RESOLUTION_AT_RISK, RESOLUTION_BY),
		)
		# a warning already sent (point passed, nothing pending) is not armed again by a re-run
		frappe.db.set_value("HD Ticket", ticket.name, "custom_response_warn_due", None, update_modified=False)
		with self.freeze_time("2026-12-24 16:50:00"):
			ticket_sla_backfill.execute()
		self.assertIsNone(self.stored(ticket, "custom_response_warn_due").custom_response_warn_due)

	def test_warning_then_breach_once_each_for_the_assigned_agent_and_failed_without_a_save(self):
		ticket = self.ticket(assign=[self.agent])
		modified = self.stored(ticket, "modified").modified

		self.sweep_at("2026-12-24 16:44:00")
		self.assertFalse(told(ticket, self.agent, "SLA")["desk"])

		totals, events = self.sweep_at("2026-12-24 16:46:00")
		self.assertEqual(totals["ticket_response_at_risk"], 1)
		found = self.assert_told_once(ticket, self.agent, "SLA at risk")
		self.assertIn("within 14 min", found["desk"][0])
		self.assert_panel_reads(found["helpdesk"][0], "SLA at risk")
		self.assertEqual([e[1]["name"] for e in events if e[0] == "sla_at_risk"], [str(ticket.name)], events)
		self.sweep_at("2026-12-24 16:50:00")
		self.assert_told_once(ticket, self.agent, "SLA at risk")

		totals, events = self.sweep_at("2026-12-24 17:05:00")
		found = self.assert_told_once(ticket, self.agent, "SLA failed")
		self.assertIn("overdue by 5 min", found["desk"][0])
		self.assert_panel_reads(found["helpdesk"][0], "SLA failed")
		row = self.stored(ticket, "agreement_status", "modified")
		self.assertEqual((row.agreement_status, row.modified), ("Failed", modified))
		self.assertEqual(next(e for e in events if e[0] == "sla_failed")[1]["name"], str(ticket.name))
		self.sweep_at("2026-12-24 17:10:00")
		self.assert_told_once(ticket, self.agent, "SLA failed")

		# resolution: the warning on Monday 11:00 (after the holiday), the breach at 12:00
		self.sweep_at("2026-12-28 11:01:00")
		found = told(ticket, self.agent, "SLA at risk")
		self.assertEqual((len(found["desk"]), len(found["helpdesk"])), (2, 2), found)
		self.assertEqual(len([s for s in found["desk"] if "must be resolved within 59 min" in s]), 1, found)
		self.sweep_at("2026-12-28 12:01:00")
		self.assertEqual(len(told(ticket, self.agent, "SLA failed")["desk"]), 2)
		self.sweep_at("2026-12-28 12:30:00")
		self.assertEqual(len(told(ticket, self.agent, "SLA failed")["desk"]), 2)

	def test_a_ticket_answered_before_its_threshold_is_never_announced(self):
		ticket = self.ticket(assign=[self.agent])
		with self.freeze_time("2026-12-24 16:30:00"):
			doc = frappe.get_doc("HD Ticket", ticket.name)
			doc.first_responded_on = get_datetime("2026-12-24 16:30:00")
			doc.save(ignore_permissions=True)
		self.assertIsNone(self.stored(ticket, "custom_response_warn_due").custom_response_warn_due)
		self.sweep_at("2026-12-24 17:30:00")
		self.assertFalse(told(ticket, self.agent, "SLA")["desk"])
		self.assertNotEqual(self.stored(ticket, "agreement_status").agreement_status, "Failed")

	def test_a_reply_after_the_claim_moment_but_before_the_sweep_is_never_announced(self):
		ticket = self.ticket(assign=[self.agent])
		frappe.db.set_value(
			"HD Ticket", ticket.name, "first_responded_on", "2026-12-24 16:59:00", update_modified=False
		)
		self.sweep_at("2026-12-24 17:30:00")
		self.assertFalse(told(ticket, self.agent, "SLA")["desk"])

	def test_a_paused_ticket_is_quiet(self):
		ticket = self.ticket(assign=[self.agent])
		with self.freeze_time("2026-12-24 16:10:00"):
			doc = frappe.get_doc("HD Ticket", ticket.name)
			doc.status = "Replied"  # paused on both releases (v1.5: the SLA's list; later: category)
			doc.save(ignore_permissions=True)
		# Helpdesk keeps the resolution target while paused (its hold time moves it on resume)
		row = self.stored(ticket, "on_hold_since", "resolution_by", "custom_resolution_breach_due")
		self.assertTrue(row.on_hold_since)
		self.assertEqual(
			(row.resolution_by, row.custom_resolution_breach_due), (RESOLUTION_BY, RESOLUTION_BY)
		)
		self.sweep_at("2026-12-28 13:00:00")
		self.assertFalse(told(ticket, self.agent, "SLA")["desk"])
		# what Helpdesk's own handle_agreement_status shows for it: Failed (v1.2x) or Paused (v1.5)
		self.assertEqual(
			self.stored(ticket, "agreement_status").agreement_status,
			"Failed" if compat.paused_ticket_shows_failed() else "Paused",
		)

	def test_quiet_while_paused_holds_a_paused_ticket_that_still_has_a_target(self):
		ticket = self.ticket(assign=[self.agent])
		now = get_datetime("2026-12-24 17:05:00")
		frappe.db.set_value("HD Ticket", ticket.name, "on_hold_since", CREATED, update_modified=False)
		self.sweep_at(now)
		self.assertFalse(told(ticket, self.agent, "SLA")["desk"])

	def test_without_an_assignee_the_team_is_told_and_the_role_of_breaches(self):
		team = frappe.get_doc(
			{
				"doctype": "HD Team",
				"team_name": f"COE TSLA {frappe.generate_hash(length=4)}",
				"users": [{"user": self.agent}, {"user": self.quiet}],
			}
		)
		team.insert(ignore_permissions=True)
		ticket = self.ticket()
		frappe.db.set_value("HD Ticket", ticket.name, "agent_group", team.name, update_modified=False)
		manager = make_agent_user("manager")
		frappe.get_doc("User", manager).add_roles("Agent Manager")
		self.set_notify_role("Agent Manager")
		self.addCleanup(self.set_notify_role, None)

		self.sweep_at("2026-12-24 16:46:00")
		self.assert_told_once(ticket, self.agent, "SLA at risk")
		self.assert_told_once(ticket, self.quiet, "SLA at risk", emailed=False)
		self.assertFalse(told(ticket, manager, "SLA")["desk"])
		self.sweep_at("2026-12-24 17:01:00")
		self.assert_told_once(ticket, self.agent, "SLA failed")
		found = told(ticket, manager, "SLA failed")
		self.assertEqual((len(found["desk"]), len(found["helpdesk"])), (1, 0))

	def set_notify_role(self, role):
		settings = frappe.get_single("CRM Order Extension Settings")
		settings.ticket_sla_notify_role = role
		settings.flags.ignore_permissions = True
		settings.save()

	def test_a_stale_form_never_rearms_a_sent_notice(self):
		ticket = self.ticket(assign=[self.agent])
		stale = frappe.get_doc("HD Ticket", ticket.name)
		self.sweep_at("2026-12-24 16:46:00")
		with self.freeze_time("2026-12-24 16:47:00"):
			stale.description = "edited in a form opened before the sweep"
			stale.save(ignore_permissions=True)
		self.assertIsNone(self.stored(ticket, "custom_response_warn_due").custom_response_warn_due)
		self.sweep_at("2026-12-24 16:48:00")
		self.assert_told_once(ticket, self.agent, "SLA at risk")

	def test_a_new_target_rearms_its_notices(self):
		ticket = self.ticket(assign=[self.agent])
		self.sweep_at("2026-12-24 16:46:00")
		with self.freeze_time("2026-12-24 16:50:00"):
			doc = frappe.get_doc("HD Ticket", ticket.name)
			doc.service_level_agreement_creation = get_datetime("2026-12-24 16:50:00")
			doc.save(ignore_permissions=True)
		row = self.stored(ticket, "response_by", "custom_response_at_risk_at", "custom_response_warn_due")
		self.assertEqual(row.response_by, get_datetime("2026-12-24 17:50:00"))
		self.assertEqual(row.custom_response_warn_due, get_datetime("2026-12-24 17:35:00"))

	def test_settings_refuse_a_threshold_out_of_range(self):
		settings = frappe.get_single("CRM Order Extension Settings")
		settings.ticket_sla_warn_percent = 100
		settings.flags.ignore_permissions = True
		self.assertRaises(frappe.ValidationError, settings.save)

	def test_helpdesk_serves_the_notice_toast_script_to_the_agents_ticket_page(self):
		from helpdesk.helpdesk.doctype.hd_form_script.hd_form_script import get_form_script

		from crm_order_extension import form_scripts

		served = get_form_script("HD Ticket")
		served = served if isinstance(served, list) else [served]
		sources = form_scripts.RECORDS["hd_form_script.json"]["HD Ticket SLA Notices"]
		self.assertIn(form_scripts.script_text(sources), served)
		# and the app owns it (uninstall removes what hooks.fixtures lists)
		owned = next(
			f
			for f in frappe.get_hooks("fixtures", app_name="crm_order_extension")
			if f["dt"] == "HD Form Script"
		)
		self.assertIn("HD Ticket SLA Notices", owned["filters"][0][2])

	def test_notice_text_is_translated_with_time_left_and_customer(self):
		row = frappe._dict(name="7", customer="Acme", due=get_datetime("2026-12-24 17:00:00"))
		text = notices.subject(rules.RESPONSE, rules.AT_RISK, row, get_datetime("2026-12-24 15:30:00"))
		self.assertEqual(text, "SLA at risk: Ticket 7 (Acme) needs a first response within 1 h 30 min")
		text = notices.subject(rules.RESOLUTION, rules.BREACH, row, get_datetime("2026-12-26 18:00:00"))
		self.assertEqual(text, "SLA failed: Ticket 7 (Acme) was not resolved in time, overdue by 2 d 1 h")


class TestTicketSLAFigures(TicketSLACase):
	"""The Ticket SLA Compliance report and the number cards on real tickets whose outcomes are set
	around a moment built from the day the test runs (its noon): any date works. Each ticket's
	Helpdesk targets and times are written after its insert, so the outcomes do not depend on the
	SLA's working hours; the cards count the whole site, so they are read before and after."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.day = getdate(today())
		cls.now = get_datetime(cls.day) + timedelta(hours=12)
		cls.agents = [make_agent_user("figures-a"), make_agent_user("figures-b")]
		cls.teams = []
		for label in ("A", "B"):
			team = frappe.get_doc(
				{"doctype": "HD Team", "team_name": f"COE TSLA {label} {frappe.generate_hash(length=6)}"}
			).insert(ignore_permissions=True)
			cls.teams.append(team.name)

	def at(self, **delta):
		return self.now + timedelta(**delta)

	def figure_ticket(self, team=None, assign=(), opened_days_ago=0, raised_by=None, **values):
		"""A ticket under our SLA opened `opened_days_ago` days before today, with these targets and
		times (None for the rest)."""
		with self.freeze_time(self.now):
			doc = fx.make_ticket(
				raised_by or f"coe-tsla-{frappe.generate_hash(length=6)}@example.com",
				subject=f"COE figures {frappe.generate_hash(length=6)}",
			)
		self.mine.append(str(doc.name))
		fields = (
			"response_by",
			"first_responded_on",
			"resolution_by",
			"resolution_date",
			"custom_response_at_risk_at",
			"custom_resolution_at_risk_at",
		)
		stored = {field: values.pop(field, None) for field in fields}
		stored.update(values)
		stored.update(
			sla=SLA,
			agent_group=team,
			_assign=json.dumps(list(assign)) if assign else None,
			opening_date=add_days(self.day, -opened_days_ago),
		)
		frappe.db.set_value("HD Ticket", doc.name, stored, update_modified=False)
		return str(doc.name)

	def report(self, **filters):
		from crm_order_extension.crm_sla.report.ticket_sla_compliance import ticket_sla_compliance

		with self.freeze_time(self.now):
			_columns, rows, _message, chart = ticket_sla_compliance.execute(filters)
		self.assertEqual(chart["data"]["labels"], [row["group"] for row in rows])
		return {row["group"]: row for row in rows}

	@staticmethod
	def figures(row):
		keys = ("tickets", "response_met", "response_failed", "response_pending", "response_compliance")
		keys += ("resolution_met", "resolution_failed", "resolution_pending", "resolution_compliance")
		return tuple(row[key] for key in keys)

	def test_compliance_per_team_and_agent_over_a_period(self):
		team_a, team_b = self.teams
		agent_a, agent_b = self.agents
		# team A: first response met, late, missed, pending; resolution pending, met, missed, pending
		self.figure_ticket(
			team_a,
			[agent_a],
			response_by=self.at(hours=-3),
			first_responded_on=self.at(hours=-4),
			resolution_by=self.at(hours=2),
		)
		self.figure_ticket(
			team_a,
			[agent_a],
			response_by=self.at(hours=-2),
			first_responded_on=self.at(hours=-1),
			resolution_by=self.at(hours=-1),
			resolution_date=self.at(minutes=-90),
		)
		self.figure_ticket(
			team_a, [agent_b], response_by=self.at(hours=-1), resolution_by=self.at(minutes=-30)
		)
		self.figure_ticket(
			team_a, [agent_a, agent_b], response_by=self.at(hours=1), resolution_by=self.at(hours=5)
		)
		# team B, opened three days ago: both met
		self.figure_ticket(
			team_b,
			[agent_b],
			opened_days_ago=3,
			response_by=self.at(days=-3, hours=1),
			first_responded_on=self.at(days=-3, minutes=30),
			resolution_by=self.at(days=-2),
			resolution_date=self.at(days=-2, hours=-1),
		)
		# opened forty days ago, outside the default period (the last 30 days): missed both
		self.figure_ticket(
			team_a,
			[agent_a],
			opened_days_ago=40,
			response_by=self.at(days=-40, hours=1),
			resolution_by=self.at(days=-39),
		)

		rows = self.report(group_by="team")
		self.assertEqual(self.figures(rows[team_a]), (4, 1, 2, 1, 33.3, 1, 1, 2, 50.0))
		self.assertEqual(self.figures(rows[team_b]), (1, 1, 0, 0, 100.0, 1, 0, 0, 100.0))
		# a ticket counts for each of its agents
		rows = self.report(group_by="agent")
		self.assertEqual(self.figures(rows[agent_a]), (3, 1, 1, 1, 50.0, 1, 0, 2, 100.0))
		self.assertEqual(self.figures(rows[agent_b]), (3, 1, 1, 1, 50.0, 1, 1, 1, 50.0))
		# filters: one team, one agent
		self.assertEqual(list(self.report(group_by="team", team=team_b)), [team_b])
		rows = self.report(group_by="agent", agent=agent_a)
		self.assertEqual(list(rows), [agent_a])
		self.assertEqual(rows[agent_a]["tickets"], 3)
		# the period: the last week holds team A's tickets of today; forty days ago only the old one
		week = {"from_date": add_days(self.day, -6), "to_date": self.day}
		self.assertEqual(self.report(team=team_a, **week)[team_a]["tickets"], 4)
		rows = self.report(team=team_a, from_date=add_days(self.day, -45), to_date=add_days(self.day, -35))
		self.assertEqual(self.figures(rows[team_a]), (1, 0, 1, 0, 0.0, 0, 1, 0, 0.0))
		self.assertEqual(self.report(team=team_b, from_date=self.day, to_date=self.day), {})

	def test_a_customer_sees_only_the_tickets_they_may_read(self):
		"""Helpdesk lets every user read the tickets they raised (role All and its permission query);
		the report and the cards count those only."""
		from crm_order_extension.crm_sla.report.ticket_sla_compliance import ticket_sla_compliance

		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": f"coe-tsla-customer-{frappe.generate_hash(length=6)}@example.com",
				"first_name": "Ticket SLA customer",
				"send_welcome_email": 0,
			}
		).insert(ignore_permissions=True)
		self.figure_ticket(raised_by=user.name, response_by=self.at(hours=-1), resolution_by=self.at(hours=3))
		# another customer's, the same figures: not theirs to see
		self.figure_ticket(response_by=self.at(hours=-1), resolution_by=self.at(hours=3))
		self.addCleanup(frappe.set_user, frappe.session.user)
		frappe.set_user(user.name)
		with self.freeze_time(self.now):
			rows = ticket_sla_compliance.execute({"group_by": "team"})[1]
			cards = (ticket_sla_api.at_risk_now()["value"], ticket_sla_api.failed_today()["value"])
		self.assertEqual(
			[(row["group"], row["tickets"], row["response_failed"]) for row in rows], [("(none)", 1, 1)]
		)
		self.assertEqual(cards, (0, 1))

	def test_number_cards_at_risk_now_and_failed_today(self):
		def cards():
			with self.freeze_time(self.now):
				return ticket_sla_api.at_risk_now()["value"], ticket_sla_api.failed_today()["value"]

		before = cards()
		far = {"resolution_by": self.at(hours=6), "custom_resolution_at_risk_at": self.at(hours=5)}
		# at risk now: first response, resolution, both (counted once)
		self.figure_ticket(
			response_by=self.at(minutes=5), custom_response_at_risk_at=self.at(minutes=-10), **far
		)
		self.figure_ticket(
			response_by=self.at(hours=-1),
			first_responded_on=self.at(hours=-2),
			resolution_by=self.at(minutes=30),
			custom_resolution_at_risk_at=self.at(minutes=-30),
		)
		self.figure_ticket(
			response_by=self.at(minutes=5),
			custom_response_at_risk_at=self.at(minutes=-10),
			resolution_by=self.at(minutes=30),
			custom_resolution_at_risk_at=self.at(minutes=-30),
		)
		# not at risk: answered past its point, point still ahead, closed, no at-risk point (0 %)
		self.figure_ticket(response_by=self.at(minutes=5), resolution_by=self.at(minutes=30))
		self.figure_ticket(
			response_by=self.at(minutes=5),
			custom_response_at_risk_at=self.at(minutes=-10),
			first_responded_on=self.at(minutes=-5),
			**far,
		)
		self.figure_ticket(
			response_by=self.at(hours=1), custom_response_at_risk_at=self.at(minutes=10), **far
		)
		self.figure_ticket(
			status="Closed",
			response_by=self.at(minutes=5),
			custom_response_at_risk_at=self.at(minutes=-10),
			first_responded_on=self.at(minutes=-1),
			resolution_by=self.at(minutes=30),
			custom_resolution_at_risk_at=self.at(minutes=-30),
			resolution_date=self.at(minutes=-1),
		)
		# failed today: first response missed (and so no longer at risk), resolution late, both
		self.figure_ticket(
			response_by=self.at(minutes=-5), custom_response_at_risk_at=self.at(minutes=-20), **far
		)
		self.figure_ticket(
			response_by=self.at(hours=-3),
			first_responded_on=self.at(hours=-4),
			resolution_by=self.at(hours=-1),
			resolution_date=self.at(minutes=-30),
		)
		self.figure_ticket(response_by=self.at(hours=-3), resolution_by=self.at(hours=-2))
		# not failed today: met, missed yesterday, due later today
		self.figure_ticket(
			response_by=self.at(hours=-3),
			first_responded_on=self.at(hours=-4),
			resolution_by=self.at(hours=-2),
			resolution_date=self.at(hours=-2),
		)
		self.figure_ticket(
			response_by=get_datetime(self.day) - timedelta(hours=1), resolution_by=self.at(hours=8)
		)
		self.figure_ticket(response_by=self.at(hours=3), resolution_by=self.at(hours=8))

		at_risk, failed = cards()
		self.assertEqual((at_risk - before[0], failed - before[1]), (3, 3))


class TestConcurrentTicketSweeps(TicketSLACase):
	"""Two sweeps at once, each its own connection, committed: each notice once. Deleted after."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.records = []
		cls.agent = make_agent_user("concurrent")
		cls.users = [cls.agent]
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.db.delete("HD Notification", {"user_to": ("in", cls.users)})
		delete_records(cls.records)
		delete_users(cls.users)
		for doctype, name in (("HD Service Level Agreement", SLA), ("HD Service Holiday List", HOLIDAYS)):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
		if not cls.had_email_account and (
			account := frappe.db.get_value("Email Account", {"email_id": EMAIL_ACCOUNT_ID})
		):
			frappe.delete_doc("Email Account", account, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_two_concurrent_sweeps_announce_each_crossing_once(self):
		tickets = [self.ticket(assign=[self.agent]) for _ in range(3)]
		frappe.db.commit()
		now = get_datetime("2026-12-24 17:05:00")
		scope = [str(t.name) for t in tickets]

		def sweep_ours():
			found = sweep.sweep_tickets(now, scope=lambda t: t.name.isin(scope))
			for (metric, kind), rows in found.items():
				notices.announce(rows, metric, kind, [], {}, now)

		self.assertEqual(run_concurrently(sweep_ours, workers=2), [])
		for ticket in tickets:
			self.assert_told_once(ticket, self.agent, "SLA failed")
			self.assertFalse(told(ticket, self.agent, "SLA at risk")["desk"])  # passed: breach only
			self.assertEqual(self.stored(ticket, "agreement_status").agreement_status, "Failed")
		self.assertEqual(targets.TOKEN, "custom_ticket_sla_token")

	def test_a_sweep_neither_waits_for_nor_deadlocks_with_another_sweeps_open_claim(self):
		"""A claim empties its rows' pending column (NULL sorts first in the index, inside the range
		a `due <= now` scan locks). A second sweep, scoped by a column without an index so it cannot
		lean on the primary key, claims its own rows while the first sweep's claim is uncommitted."""
		first = [self.ticket(assign=[self.agent]) for _ in range(2)]
		second = [self.ticket(assign=[self.agent]) for _ in range(2)]
		frappe.db.commit()
		now = get_datetime("2026-12-24 17:05:00")
		site, sites_path = frappe.local.site, frappe.local.sites_path
		claimed, done = threading.Event(), threading.Event()
		results, errors = {}, []

		def run(key, tickets, wait_for, then_set):
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				frappe.flags.in_test = True
				if key == "second":
					claimed.wait(30)
					frappe.db.sql("set session innodb_lock_wait_timeout = 5")
				subjects = [t.subject for t in tickets]
				found = sweep.sweep_tickets(now, scope=lambda t: t.subject.isin(subjects))
				results[key] = sorted(str(r.name) for rows in found.values() for r in rows)
				then_set.set()
				if wait_for:
					wait_for.wait(30)  # the first keeps its claim open until the second is done
				frappe.db.commit()
			except Exception as e:
				errors.append(repr(e))
			finally:
				claimed.set()
				done.set()
				frappe.destroy()

		threads = [
			threading.Thread(target=run, args=("first", first, done, claimed)),
			threading.Thread(target=run, args=("second", second, None, done)),
		]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(60)
		self.assertEqual(errors, [])
		self.assertEqual(results["first"], sorted(str(t.name) for t in first))
		self.assertEqual(results["second"], sorted(str(t.name) for t in second))
		frappe.db.rollback()
		for ticket in first + second:
			row = self.stored(ticket, "agreement_status", "custom_response_breach_due")
			self.assertEqual((row.agreement_status, row.custom_response_breach_due), ("Failed", None))
