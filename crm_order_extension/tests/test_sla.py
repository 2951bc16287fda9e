from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import cycles, sweep
from crm_order_extension.sla.setup import DEAL_SLA
from crm_order_extension.tests import fixtures as fx

START = "2026-03-02 10:00:00"


def communication(lead, sent_or_received: str, at: str, doctype: str = "CRM Lead", **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": kwargs.pop("communication_type", "Communication"),
			"communication_medium": "Email",
			"sent_or_received": sent_or_received,
			"subject": "Re: your enquiry",
			"content": "Hello",
			"sender": "customer@example.com" if sent_or_received == "Received" else "sales@example.com",
			"communication_date": at,
			"reference_doctype": doctype,
			"reference_name": lead,
			**kwargs,
		}
	).insert(ignore_permissions=True)


def state(name: str, doctype: str = "CRM Lead"):
	return frappe.db.get_value(
		doctype,
		name,
		[
			"status",
			"communication_status",
			"sla",
			"sla_status",
			"response_by",
			"first_responded_on",
			"custom_resolution_by",
			"custom_resolution_status",
		],
		as_dict=True,
	)


def cycle_log(name: str, doctype: str = "CRM Lead"):
	return frappe.get_all(
		cycles.CYCLE_DOCTYPE,
		filters={"parent": name, "parenttype": doctype},
		fields=["sla", "cycle_start", "response_by", "responded_on", "outcome"],
		order_by="idx",
	)


class SLATestCase(FrappeTestCase):
	def new_lead(self, at: str = START, **kwargs):
		with self.freeze_time(at):
			return fx.make_lead("Sally", email=f"{frappe.generate_hash(length=8)}@example.com", **kwargs)


class TestSLAConfiguration(SLATestCase):
	def test_slas_and_statuses_are_installed(self):
		for name, doctype in (
			(rules.LEAD_RESPONSE_SLA, "CRM Lead"),
			(rules.CUSTOMER_FOLLOW_UP_SLA, "CRM Lead"),
			(DEAL_SLA, "CRM Deal"),
		):
			sla = frappe.get_doc("CRM Service Level Agreement", name)
			self.assertEqual((sla.apply_on, sla.enabled, sla.end_date), (doctype, 1, None))
			self.assertEqual(len(sla.working_hours), 7)
			self.assertEqual(sla.priorities[0].priority, "Open")
			self.assertEqual(sla.priorities[0].first_response_time, 7200)
		self.assertTrue(frappe.db.exists("CRM Lead Status", "OPEN"))
		for status in ("Open", "Replied"):
			self.assertTrue(frappe.db.exists("CRM Communication Status", status))

	def test_install_never_overwrites_an_admins_edit(self):
		from crm_order_extension.sla.setup import ensure_slas

		edited = 'doc.status == "New" and doc.communication_status == "Open" and doc.source != "Spam"'
		frappe.db.set_value("CRM Service Level Agreement", rules.LEAD_RESPONSE_SLA, "condition", edited)
		ensure_slas()
		self.assertEqual(
			frappe.db.get_value("CRM Service Level Agreement", rules.LEAD_RESPONSE_SLA, "condition"), edited
		)

	def test_sweep_indexes_exist(self):
		for columns in (("sla_status", "response_by"), ("communication_status", "status")):
			self.assertTrue(frappe.db.has_index("tabCRM Lead", frappe.db.get_index_name(list(columns))))


class TestCommunicationAutomation(SLATestCase):
	def test_new_lead_gets_lead_response_sla_two_hours_out(self):
		lead = self.new_lead()
		s = state(lead.name)
		self.assertEqual((s.sla, s.sla_status), (rules.LEAD_RESPONSE_SLA, rules.FIRST_RESPONSE_DUE))
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-02 12:00:00"))
		self.assertEqual(get_datetime(s.custom_resolution_by), get_datetime("2026-03-04 10:00:00"))
		self.assertEqual([c.outcome for c in cycle_log(lead.name)], ["Running"])

	def test_reply_exactly_at_the_deadline_is_fulfilled_and_moves_new_to_contacted(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 12:00:00")
		s = state(lead.name)
		self.assertEqual(
			(s.status, s.communication_status, s.sla_status), ("Contacted", "Replied", "Fulfilled")
		)
		self.assertEqual(get_datetime(s.first_responded_on), get_datetime("2026-03-02 12:00:00"))
		self.assertEqual(cycle_log(lead.name)[-1].outcome, "Fulfilled")

	def test_reply_one_second_late_fails(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 12:00:01")
		self.assertEqual(state(lead.name).sla_status, "Failed")
		self.assertEqual(cycle_log(lead.name)[-1].outcome, "Failed")

	def test_customer_email_starts_follow_up_cycle_at_once_and_keeps_the_old_one(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		communication(lead.name, "Received", "2026-03-02 15:00:00")
		s = state(lead.name)
		self.assertEqual((s.status, s.communication_status), ("OPEN", "Open"))
		self.assertEqual((s.sla, s.sla_status), (rules.CUSTOMER_FOLLOW_UP_SLA, rules.FIRST_RESPONSE_DUE))
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-02 17:00:00"))
		self.assertIsNone(s.first_responded_on)
		log = cycle_log(lead.name)
		self.assertEqual([c.outcome for c in log], ["Fulfilled", "Running"])
		self.assertEqual(log[-1].sla, rules.CUSTOMER_FOLLOW_UP_SLA)

		communication(lead.name, "Sent", "2026-03-02 16:00:00")
		s = state(lead.name)
		self.assertEqual((s.status, s.communication_status, s.sla_status), ("OPEN", "Replied", "Fulfilled"))

	def test_customer_email_on_a_new_lead_keeps_it_new(self):
		lead = self.new_lead()
		communication(lead.name, "Received", "2026-03-02 11:00:00")
		s = state(lead.name)
		self.assertEqual((s.status, s.sla), ("New", rules.LEAD_RESPONSE_SLA))
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-02 13:00:00"))
		self.assertEqual([c.outcome for c in cycle_log(lead.name)], ["Superseded", "Running"])

	def test_comments_and_other_references_are_ignored(self):
		lead = self.new_lead()
		communication(
			lead.name, "Sent", "2026-03-02 11:00:00", communication_type="Comment", comment_type="Comment"
		)
		self.assertEqual(state(lead.name).sla_status, rules.FIRST_RESPONSE_DUE)

	def test_communication_for_a_missing_lead_is_left_alone(self):
		# Frappe itself refuses to save a Communication whose reference is gone; the hook must not
		# add an error of its own when it meets one (e.g. a lead deleted while mail was queued).
		from crm_order_extension.sla.communication import on_communication_insert

		comm = frappe.get_doc(
			{
				"doctype": "Communication",
				"name": "coe-missing-lead",
				"communication_type": "Communication",
				"sent_or_received": "Received",
				"communication_date": "2026-03-02 11:00:00",
				"reference_doctype": "CRM Lead",
				"reference_name": "CRM-LEAD-NO-SUCH",
			}
		)
		errors_before = frappe.db.count("Error Log")
		on_communication_insert(comm)
		self.assertEqual(frappe.db.count("Error Log"), errors_before)

	def test_a_failing_hook_is_logged_and_the_email_is_still_saved(self):
		lead = self.new_lead()
		days = frappe.get_all(
			"CRM Service Day",
			filters={"parent": rules.LEAD_RESPONSE_SLA},
			fields=["name", "start_time", "end_time"],
		)
		frappe.local.flags.pop("crm_order_extension_sla_hours", None)
		try:
			# Working hours ending before they start make the SLA clock raise.
			for day in days:
				frappe.db.set_value(
					"CRM Service Day", day.name, {"start_time": "10:00:00", "end_time": "09:00:00"}
				)
			errors_before = frappe.db.count("Error Log")
			comm = communication(lead.name, "Received", "2026-03-02 11:00:00")
		finally:
			for day in days:
				frappe.db.set_value(
					"CRM Service Day", day.name, {"start_time": day.start_time, "end_time": day.end_time}
				)
			frappe.local.flags.pop("crm_order_extension_sla_hours", None)
		self.assertTrue(frappe.db.exists("Communication", comm.name))
		self.assertEqual(frappe.db.count("Error Log"), errors_before + 1)
		self.assertEqual(state(lead.name).response_by, get_datetime("2026-03-02 12:00:00"))


class TestSweep(SLATestCase):
	def test_sweep_marks_exactly_the_overdue_leads_once(self):
		overdue = self.new_lead("2026-03-02 07:00:00")
		due_later = self.new_lead("2026-03-02 09:59:00")
		answered = self.new_lead("2026-03-02 06:00:00")
		communication(answered.name, "Sent", "2026-03-02 07:00:00")
		now = get_datetime("2026-03-02 10:00:00")

		found = sweep.sweep_doctype("CRM Lead", now, timedelta(minutes=30))

		breached = {r.name for r in found["breached"]}
		self.assertIn(overdue.name, breached)
		self.assertNotIn(due_later.name, breached)
		self.assertNotIn(answered.name, breached)
		self.assertEqual(state(overdue.name).sla_status, "Failed")
		self.assertEqual(cycle_log(overdue.name)[-1].outcome, "Failed")
		self.assertEqual(state(due_later.name).sla_status, rules.FIRST_RESPONSE_DUE)
		again = sweep.sweep_doctype("CRM Lead", now, timedelta(minutes=30))
		self.assertNotIn(overdue.name, {r.name for r in again["breached"]})

	def test_at_risk_is_announced_once_per_cycle(self):
		lead = self.new_lead("2026-03-02 08:00:00")
		first = sweep.sweep_doctype("CRM Lead", get_datetime("2026-03-02 09:45:00"), timedelta(minutes=30))
		self.assertIn(lead.name, {r.name for r in first["at_risk"]})
		second = sweep.sweep_doctype("CRM Lead", get_datetime("2026-03-02 09:50:00"), timedelta(minutes=30))
		self.assertNotIn(lead.name, {r.name for r in second["at_risk"]})
		communication(lead.name, "Sent", "2026-03-02 09:55:00")
		communication(lead.name, "Received", "2026-03-02 10:00:00")  # a new cycle may warn again
		third = sweep.sweep_doctype("CRM Lead", get_datetime("2026-03-02 11:45:00"), timedelta(minutes=30))
		self.assertIn(lead.name, {r.name for r in third["at_risk"]})


class TestDealCarryOver(SLATestCase):
	def test_running_cycle_moves_to_the_deal(self):
		lead = self.new_lead()
		deal = fx.make_deal(lead=lead.name)
		s = state(deal.name, "CRM Deal")
		self.assertEqual((s.sla, s.sla_status), (DEAL_SLA, rules.FIRST_RESPONSE_DUE))
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-02 12:00:00"))
		self.assertEqual(state(lead.name).sla_status, "")
		self.assertEqual(cycle_log(lead.name)[-1].outcome, "Superseded")
		communication(deal.name, "Sent", "2026-03-02 11:00:00", doctype="CRM Deal")
		self.assertEqual(state(deal.name, "CRM Deal").sla_status, "Fulfilled")
		communication(deal.name, "Received", "2026-03-02 13:00:00", doctype="CRM Deal")
		s = state(deal.name, "CRM Deal")
		self.assertEqual((s.sla_status, s.communication_status), (rules.FIRST_RESPONSE_DUE, "Open"))
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-02 15:00:00"))


class TestCRMOwnSLAStillWorks(SLATestCase):
	def test_saving_a_lead_keeps_crm_sla_behaviour(self):
		lead = self.new_lead()
		with self.freeze_time("2026-03-02 10:30:00"):
			lead.reload()
			lead.communication_status = "Replied"
			lead.save(ignore_permissions=True)
		s = state(lead.name)
		self.assertEqual(s.sla_status, "Fulfilled")
		self.assertEqual(get_datetime(s.first_responded_on), get_datetime("2026-03-02 10:30:00"))


class TestSLAReportsAndHealth(SLATestCase):
	def test_performance_report_on_a_known_day(self):
		from frappe.desk.query_report import run

		day = "2025-01-10"
		fulfilled = self.new_lead(f"{day} 09:00:00")
		communication(fulfilled.name, "Sent", f"{day} 09:30:00")
		late = self.new_lead(f"{day} 10:00:00")
		communication(late.name, "Sent", f"{day} 12:30:00")
		self.new_lead(f"{day} 11:00:00")  # still waiting

		result = run("SLA Performance", filters={"from_date": day, "to_date": day})
		(row,) = result["result"]
		self.assertEqual((row["leads"], row["fulfilled"], row["failed"], row["pending"]), (3, 1, 1, 1))
		self.assertEqual(row["fulfilment_pct"], 50.0)
		self.assertEqual(row["median_first_response"], (1800 + 9000) / 2)
		self.assertTrue(result["chart"]["data"]["datasets"])

	def test_number_cards_count_failed_today_and_at_risk_now(self):
		from crm_order_extension.api.sla import at_risk_now, failed_today

		before = failed_today()["value"], at_risk_now()["value"]
		failed = fx.make_lead("Fay", email=f"{frappe.generate_hash(length=8)}@example.com")
		frappe.db.set_value(
			"CRM Lead", failed.name, {"sla_status": "Failed", "response_by": frappe.utils.now_datetime()}
		)
		risky = fx.make_lead("Ray", email=f"{frappe.generate_hash(length=8)}@example.com")
		frappe.db.set_value(
			"CRM Lead",
			risky.name,
			{"sla_status": rules.FIRST_RESPONSE_DUE, "response_by": add_to_date(None, minutes=10)},
		)
		self.assertEqual((failed_today()["value"], at_risk_now()["value"]), (before[0] + 1, before[1] + 1))

	def test_daily_health_check_emails_the_recipients_once(self):
		from crm_order_extension.sla.health import daily_health_check

		frappe.db.set_single_value(
			"CRM Order Extension Settings",
			{
				"health_recipients": "ops@example.com",
				"failed_sla_threshold": 0,
				"unsynced_orders_threshold": 10**6,
			},
		)
		lead = fx.make_lead("Fay", email=f"{frappe.generate_hash(length=8)}@example.com")
		frappe.db.set_value(
			"CRM Lead", lead.name, {"sla_status": "Failed", "response_by": frappe.utils.now_datetime()}
		)
		frappe.db.set_value("CRM Service Level Agreement", DEAL_SLA, "enabled", 0)
		fx.ensure_outgoing_email_account()
		queued = set(frappe.get_all("Email Queue", pluck="name"))
		problems = daily_health_check()
		self.assertTrue(any("failed in the last 24 hours" in p for p in problems), problems)
		self.assertTrue(any(DEAL_SLA in p and "disabled" in p for p in problems), problems)
		(new,) = set(frappe.get_all("Email Queue", pluck="name")) - queued
		recipients = frappe.get_all("Email Queue Recipient", filters={"parent": new}, pluck="recipient")
		self.assertEqual(recipients, ["ops@example.com"])

	def test_daily_health_check_never_raises(self):
		from crm_order_extension.sla.health import daily_health_check

		frappe.db.set_single_value("CRM Order Extension Settings", "health_recipients", "not an email ;;")
		frappe.db.set_single_value("CRM Order Extension Settings", "failed_sla_threshold", 0)
		lead = fx.make_lead("Fay", email=f"{frappe.generate_hash(length=8)}@example.com")
		frappe.db.set_value(
			"CRM Lead", lead.name, {"sla_status": "Failed", "response_by": frappe.utils.now_datetime()}
		)
		errors = frappe.db.count("Error Log")
		problems = daily_health_check()  # an invalid address is logged, not raised
		self.assertTrue(problems)
		self.assertEqual(frappe.db.count("Error Log"), errors + 1)


class TestBusinessHours(SLATestCase):
	def test_follow_up_target_counts_business_hours_and_skips_holidays(self):
		holidays = frappe.get_doc(
			{
				"doctype": "CRM Holiday List",
				"holiday_list_name": f"COE Holidays {frappe.generate_hash(length=5)}",
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"holidays": [{"date": "2026-03-09", "description": "Founders' day"}],
			}
		).insert(ignore_permissions=True)
		sla = frappe.get_doc("CRM Service Level Agreement", rules.CUSTOMER_FOLLOW_UP_SLA)
		sla.holiday_list = holidays.name
		sla.set(
			"working_hours",
			[
				{"workday": day, "start_time": "09:00:00", "end_time": "17:00:00"}
				for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
			],
		)
		sla.save(ignore_permissions=True)
		frappe.local.flags.pop("crm_order_extension_sla_hours", None)

		lead = self.new_lead("2026-03-05 09:00:00")
		communication(lead.name, "Sent", "2026-03-05 09:10:00")
		# Friday 16:00 + 2 working hours: one hour on Friday, Monday is a holiday -> Tuesday 10:00.
		communication(lead.name, "Received", "2026-03-06 16:00:00")
		s = state(lead.name)
		self.assertEqual(s.sla, rules.CUSTOMER_FOLLOW_UP_SLA)
		self.assertEqual(get_datetime(s.response_by), get_datetime("2026-03-10 10:00:00"))
		# Resolution: 48 working hours from Friday 16:00 (1 h Fri, Mon off, 5 days x 8 h, 7 h) -> Tue 17th 16:00.
		self.assertEqual(get_datetime(s.custom_resolution_by), get_datetime("2026-03-17 16:00:00"))
		communication(lead.name, "Sent", "2026-03-10 09:59:59")
		self.assertEqual(state(lead.name).sla_status, "Fulfilled")
		frappe.local.flags.pop("crm_order_extension_sla_hours", None)
