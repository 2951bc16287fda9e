"""SLA notices where the owner works: Desk's bell (and email per Notification Settings), the /crm
notifications panel and a live event, each once per notice.

Targets are set far in the past (2001) so the site-wide sweep claims only this module's records.
"""

import email

import frappe
from frappe.realtime import get_user_room
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.core import sla_notices
from crm_order_extension.sla import cycles, notices, sweep
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_records, delete_users
from crm_order_extension.tests.concurrency import run_concurrently

DUE = "2001-03-02 12:00:00"
RESOLUTION_DUE = "2001-03-04 12:00:00"
AFTER_DUE = get_datetime("2001-03-02 12:00:01")
JUST_BEFORE_DUE = get_datetime("2001-03-02 11:59:00")
AFTER_RESOLUTION_DUE = get_datetime("2001-03-04 12:00:01")
EMAIL_ACCOUNT_ID = "coe-outgoing@example.com"  # fixtures.ensure_outgoing_email_account


def make_user(label: str, email_notifications: bool) -> str:
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"coe-sla-{label}-{frappe.generate_hash(length=6)}@example.com",
			"first_name": f"SLA {label}",
			"send_welcome_email": 0,
			"roles": [{"role": "Sales User"}],
		}
	).insert(ignore_permissions=True)
	# Assigning a lead to its owner makes Frappe email the assignment, which in tests is sent at
	# once and commits (EmailQueue.send); the SLA email only follows the master switch.
	frappe.db.set_value(
		"Notification Settings",
		user.name,
		{"enable_email_notifications": int(email_notifications), "enable_email_assignment": 0},
	)
	return user.name


def remove_everything(users: list[str], records: list[tuple[str, str]], email_account: str | None) -> None:
	"""Delete what these tests may have committed."""
	delete_records(records)
	delete_users(users)
	if email_account and frappe.db.exists("Email Account", email_account):
		frappe.delete_doc(
			"Email Account", email_account, force=True, ignore_permissions=True, delete_permanently=True
		)


def email_text(message: str) -> str:
	parts = email.message_from_string(message or "").walk()
	return "".join(
		part.get_payload(decode=True).decode()
		for part in parts
		if part.get_content_type() in ("text/plain", "text/html")
	)


def emails_about(user: str, name: str, prefix: str) -> list[str]:
	"""Email Queue rows to `user` about record `name` whose notice starts with `prefix`."""
	address = frappe.db.get_value("User", user, "email")
	found = []
	for queued in frappe.get_all("Email Queue Recipient", filters={"recipient": address}, pluck="parent"):
		text = email_text(frappe.db.get_value("Email Queue", queued, "message"))
		if name in text and prefix in text:
			found.append(queued)
	return found


def notices_of(doctype: str, name: str, user: str, prefix: str = "SLA ") -> dict:
	return {
		"desk": frappe.get_all(
			"Notification Log",
			filters={
				"for_user": user,
				"document_type": doctype,
				"document_name": name,
				"type": "Alert",
				"subject": ("like", f"{prefix}%"),
			},
			pluck="subject",
		),
		# CRM's own notice of the lead's assignment to its owner is an "Assignment" too
		"crm": frappe.get_all(
			"CRM Notification",
			filters={
				"to_user": user,
				"reference_doctype": doctype,
				"reference_name": name,
				"message": ("like", f"{prefix}%"),
			},
			fields=["name", "type", "notification_type_doctype", "notification_type_doc", "from_user"],
		),
	}


def realtime_log() -> list:
	return list(getattr(frappe.local, "_realtime_log", []))


class NoticeTestCase(FrappeTestCase):
	users: list[str] = []
	records: list[tuple[str, str]] = []

	def due_record(self, doctype: str, owner: str) -> str:
		"""A lead or deal owned by `owner`, response due at DUE and resolution at RESOLUTION_DUE."""
		if doctype == "CRM Lead":
			email_id = f"{frappe.generate_hash(length=8)}@example.com"
			name = fx.make_lead("Sally", email=email_id, lead_owner=owner).name
		else:
			name = fx.make_deal(deal_owner=owner).name
		type(self).records.append((doctype, name))
		frappe.db.set_value(
			doctype,
			name,
			{
				"sla_status": rules.FIRST_RESPONSE_DUE,
				"response_by": DUE,
				"custom_resolution_by": RESOLUTION_DUE,
				"custom_resolution_status": "Running",
				"custom_sla_at_risk_notified": 0,
			},
			update_modified=False,
		)
		# The sweep decides breaches from the cycle log: the record's running cycle is due too.
		running = cycles.running_cycle(doctype, name)
		if running:
			frappe.db.set_value(
				cycles.CYCLE_DOCTYPE,
				running.name,
				{"response_by": DUE, "sweep_due": DUE},
				update_modified=False,
			)
		else:
			cycles.log_cycle(
				doctype,
				name,
				{
					"sla": None,
					"trigger": "Test",
					"cycle_start": DUE,
					"response_by": DUE,
					"outcome": cycles.RUNNING,
				},
			)
		return name

	def sweep_and_capture(self, now):
		"""Sweep at `now`; the realtime events it queued for after the commit."""
		before = realtime_log()
		sweep.sweep(now=now)
		return realtime_log()[len(before) :]

	def assert_told_once(self, doctype, name, user, kind, emailed: bool):
		prefix = notices.subject(kind, doctype, name).split(":")[0]
		told = notices_of(doctype, name, user, prefix)
		self.assertEqual((len(told["desk"]), len(told["crm"])), (1, 1), told)
		self.assertEqual(len(emails_about(user, name, prefix)), 1 if emailed else 0)


class TestSLANotices(NoticeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Nothing here commits: the class's final rollback removes it all (tearDownClass checks).
		cls.records = []
		cls.emailed = make_user("emailed", email_notifications=True)
		cls.quiet = make_user("quiet", email_notifications=False)
		cls.users = [cls.emailed, cls.quiet]
		cls.had_email_account = frappe.db.exists("Email Account", {"email_id": EMAIL_ACCOUNT_ID})
		fx.ensure_outgoing_email_account()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		account = (
			None
			if cls.had_email_account
			else frappe.db.get_value("Email Account", {"email_id": EMAIL_ACCOUNT_ID})
		)
		remove_everything(cls.users, cls.records, account)
		frappe.db.commit()
		super().tearDownClass()

	def test_breach_reaches_an_owner_with_email_on_every_channel_once(self):
		lead = self.due_record("CRM Lead", self.emailed)

		events = self.sweep_and_capture(AFTER_DUE)

		self.assertEqual(frappe.db.get_value("CRM Lead", lead, "sla_status"), rules.FAILED)
		self.assert_told_once("CRM Lead", lead, self.emailed, sla_notices.BREACH, emailed=True)
		(crm,) = notices_of("CRM Lead", lead, self.emailed)["crm"]
		self.assertEqual(
			(crm.type, crm.notification_type_doctype, crm.notification_type_doc),
			(notices.CRM_NOTIFICATION_TYPE, "CRM Lead", lead),
		)
		live = [e for e in events if e[0] == "sla_failed" and e[1].get("name") == lead]
		self.assertEqual(len(live), 1, events)
		self.assertEqual(live[0][2], get_user_room(self.emailed))
		self.assertEqual(live[0][1]["doctype"], "CRM Lead")
		self.assertTrue(live[0][1]["message"].startswith("SLA failed"))
		# identical events are queued once per transaction, so look in the whole queue
		self.assertIn(["crm_notification", {}, get_user_room(self.emailed)], realtime_log())

		again = self.sweep_and_capture(get_datetime("2001-03-02 12:05:00"))
		self.assert_told_once("CRM Lead", lead, self.emailed, sla_notices.BREACH, emailed=True)
		self.assertFalse([e for e in again if e[1].get("name") == lead], again)

	def test_many_breaches_in_one_sweep_are_announced_set_based(self):
		"""An outage's backlog: each breach gets its own bell and /crm notice and live event; the
		owner gets one email listing them; the statements do not grow with the breaches."""
		from crm_order_extension.benchmarks.order_history import count_queries

		def sweep_counting(count, now):
			leads = [self.due_record("CRM Lead", self.emailed) for _ in range(count)]
			with count_queries() as counter:
				events = self.sweep_and_capture(now)
			return leads, events, counter["queries"]

		few, _events, few_queries = sweep_counting(2, AFTER_DUE)
		many, events, many_queries = sweep_counting(8, get_datetime("2001-03-02 12:10:00"))

		# The sweep claims and updates per record kind; the notices add nothing per breach.
		self.assertLessEqual(many_queries, few_queries + 4, (few_queries, many_queries))
		for lead in many:
			told = notices_of("CRM Lead", lead, self.emailed, "SLA failed")
			self.assertEqual((len(told["desk"]), len(told["crm"])), (1, 1), told)
			self.assertEqual(len([e for e in events if e[0] == "sla_failed" and e[1].get("name") == lead]), 1)
		digests = emails_about(self.emailed, many[0], "8 CRM Lead records were not answered in time")
		self.assertEqual(len(digests), 1)
		text = email_text(frappe.db.get_value("Email Queue", digests[0], "message"))
		self.assertTrue(all(lead in text for lead in many), text)
		self.assertEqual(len(emails_about(self.emailed, few[1], "records were not answered")), 1)

	def test_the_email_links_to_the_record_in_crm(self):
		lead = self.due_record("CRM Lead", self.emailed)
		sweep.sweep(now=AFTER_DUE)
		(queued,) = emails_about(self.emailed, lead, "SLA failed")
		self.assertIn(f"/crm/leads/{lead}", email_text(frappe.db.get_value("Email Queue", queued, "message")))

	def test_breach_with_email_notifications_off_sends_no_email(self):
		lead = self.due_record("CRM Lead", self.quiet)
		events = self.sweep_and_capture(AFTER_DUE)
		self.assert_told_once("CRM Lead", lead, self.quiet, sla_notices.BREACH, emailed=False)
		self.assertEqual(len([e for e in events if e[0] == "sla_failed" and e[1].get("name") == lead]), 1)
		self.sweep_and_capture(AFTER_DUE)
		self.assert_told_once("CRM Lead", lead, self.quiet, sla_notices.BREACH, emailed=False)

	def test_at_risk_warning_reaches_the_owner_once(self):
		for user, emailed in ((self.emailed, True), (self.quiet, False)):
			lead = self.due_record("CRM Lead", user)
			events = self.sweep_and_capture(JUST_BEFORE_DUE)
			self.assertEqual(frappe.db.get_value("CRM Lead", lead, "sla_status"), rules.FIRST_RESPONSE_DUE)
			self.assert_told_once("CRM Lead", lead, user, sla_notices.AT_RISK, emailed)
			live = [e for e in events if e[0] == "sla_at_risk" and e[1].get("name") == lead]
			self.assertEqual(len(live), 1, events)
			self.assertEqual(get_datetime(live[0][1]["due"]), get_datetime(DUE))

			again = self.sweep_and_capture(get_datetime("2001-03-02 11:59:30"))
			self.assert_told_once("CRM Lead", lead, user, sla_notices.AT_RISK, emailed)
			self.assertFalse([e for e in again if e[1].get("name") == lead], again)

	def test_missed_resolution_is_a_notice_of_its_own(self):
		lead = self.due_record("CRM Lead", self.quiet)
		events = self.sweep_and_capture(AFTER_RESOLUTION_DUE)
		self.assert_told_once("CRM Lead", lead, self.quiet, sla_notices.BREACH, emailed=False)
		self.assert_told_once("CRM Lead", lead, self.quiet, sla_notices.RESOLUTION_MISSED, emailed=False)
		self.assertEqual(
			sorted(e[0] for e in events if e[1].get("name") == lead), ["sla_failed", "sla_resolution_failed"]
		)

	def test_deal_breach_reaches_the_deal_owner_and_routes_to_the_deal(self):
		from crm.api.notifications import get_notifications, mark_as_read

		deal = self.due_record("CRM Deal", self.quiet)
		events = self.sweep_and_capture(AFTER_DUE)
		self.assert_told_once("CRM Deal", deal, self.quiet, sla_notices.BREACH, emailed=False)
		self.assertEqual(len([e for e in events if e[0] == "sla_failed" and e[1].get("name") == deal]), 1)

		# What /crm's panel gets, as the owner: the route opens the deal itself (no hash) and a click
		# (mark_as_read by the record's name) marks it read.
		frappe.set_user(self.quiet)
		try:
			(shown,) = [
				n
				for n in get_notifications()
				if n["reference_name"] == deal and "SLA failed" in n["notification_text"]
			]
			self.assertEqual((shown["route_name"], shown["hash"], shown["read"]), ("Deal", "", 0))
			mark_as_read(doc=shown["notification_type_doc"])
		finally:
			frappe.set_user("Administrator")
		(crm,) = notices_of("CRM Deal", deal, self.quiet, "SLA failed")["crm"]
		self.assertEqual(frappe.db.get_value("CRM Notification", crm.name, "read"), 1)

	def test_role_users_are_told_of_failures_but_get_no_live_event(self):
		lead = self.due_record("CRM Lead", self.quiet)
		row = frappe._dict(name=lead, owner_user=self.quiet, due=get_datetime(DUE))
		before = realtime_log()
		notices.announce("CRM Lead", [row], sla_notices.BREACH, [self.emailed, self.quiet], {})
		events = realtime_log()[len(before) :]
		self.assert_told_once("CRM Lead", lead, self.emailed, sla_notices.BREACH, emailed=True)
		self.assert_told_once("CRM Lead", lead, self.quiet, sla_notices.BREACH, emailed=False)
		self.assertEqual({e[2] for e in events if e[0] == "sla_failed"}, {get_user_room(self.quiet)})

		notices.announce("CRM Lead", [row], sla_notices.AT_RISK, [self.emailed], {})
		self.assertFalse(notices_of("CRM Lead", lead, self.emailed, "SLA at risk")["desk"])  # owner only

	def test_notifications_switched_off_skip_the_bell_and_email_but_not_crm(self):
		lead = self.due_record("CRM Lead", self.emailed)
		frappe.db.set_value("Notification Settings", self.emailed, "enabled", 0)
		try:
			sweep.sweep(now=AFTER_DUE)
		finally:
			frappe.db.set_value("Notification Settings", self.emailed, "enabled", 1)
		told = notices_of("CRM Lead", lead, self.emailed)
		self.assertEqual((len(told["desk"]), len(told["crm"])), (0, 1))
		self.assertFalse(emails_about(self.emailed, lead, "SLA"))


class TestConcurrentSweepNotices(NoticeTestCase):
	"""Two sweeps at once (each its own connection, committed): every notice still goes out once.
	Everything committed here is deleted again in tearDownClass."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.records = []
		cls.owner = make_user("concurrent", email_notifications=True)
		cls.users = [cls.owner]
		cls.email_account = None
		if not frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
			fx.ensure_outgoing_email_account()
			cls.email_account = frappe.db.get_value("Email Account", {"email_id": EMAIL_ACCOUNT_ID})
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		remove_everything(cls.users, cls.records, cls.email_account)
		frappe.db.commit()
		super().tearDownClass()

	def test_two_concurrent_sweeps_tell_each_owner_once_per_channel(self):
		leads = [self.due_record("CRM Lead", self.owner) for _ in range(3)]
		frappe.db.commit()

		errors = run_concurrently(lambda: sweep.sweep(now=AFTER_DUE), workers=2)
		self.assertEqual(errors, [])
		for lead in leads:
			self.assertEqual(frappe.db.get_value("CRM Lead", lead, "sla_status"), rules.FAILED)
			self.assert_told_once("CRM Lead", lead, self.owner, sla_notices.BREACH, emailed=True)
