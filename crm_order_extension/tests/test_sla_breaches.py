"""Breaches are decided from the app's cycle log: whatever touched the lead's own SLA fields and
whichever code marked it Failed, every cycle that passes its target without a reply in time is
announced exactly once (sla/sweep.py). Two sweeps racing: test_sla_notices. Tier 3's journey
watches the same with the real cron."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import sweep
from crm_order_extension.tests.test_sla import SLATestCase, communication, cycle_log, state

MARGIN = timedelta(minutes=30)
DUE = get_datetime("2026-03-02 12:00:00")  # START + 2 h (the Lead Response SLA runs around the clock)


def breached(at: str) -> list[str]:
	return [row.name for row in sweep.sweep_doctype("CRM Lead", get_datetime(at), MARGIN)["breached"]]


def sweep_due(lead: str):
	return frappe.get_all(
		"CRM SLA Cycle", filters={"parent": lead, "parenttype": "CRM Lead"}, pluck="sweep_due", order_by="idx"
	)


class TestBreachesFromTheCycleLog(SLATestCase):
	def test_a_lead_saved_after_its_target_is_still_announced_once(self):
		lead = self.new_lead()
		self.assertEqual(sweep_due(lead.name), [DUE])
		with self.freeze_time("2026-03-02 11:00:00"):  # the owner edits while it waits
			doc = frappe.get_doc("CRM Lead", lead.name)
			doc.job_title = "Buyer"
			doc.save(ignore_permissions=True)
		with self.freeze_time("2026-03-02 12:30:00"):  # and again after the target: CRM fails it
			doc = frappe.get_doc("CRM Lead", lead.name)
			doc.job_title = "Head buyer"
			doc.save(ignore_permissions=True)
		self.assertEqual(state(lead.name).sla_status, rules.FAILED)

		self.assertEqual(breached("2026-03-02 12:35:00").count(lead.name), 1)
		self.assertEqual(cycle_log(lead.name)[-1].outcome, rules.FAILED)
		self.assertNotIn(lead.name, breached("2026-03-02 12:40:00"))

	def test_a_form_opened_before_the_sweep_does_not_bring_the_cycle_back(self):
		lead = self.new_lead()
		stale = frappe.get_doc("CRM Lead", lead.name)  # opened while the cycle runs
		self.assertIn(lead.name, breached("2026-03-02 12:05:00"))

		with self.freeze_time("2026-03-02 12:10:00"):
			stale.job_title = "Stale edit"
			stale.save(ignore_permissions=True)

		self.assertEqual([c.outcome for c in cycle_log(lead.name)], [rules.FAILED])
		self.assertEqual(sweep_due(lead.name), [None])
		self.assertNotIn(lead.name, breached("2026-03-02 12:15:00"))

	def test_a_customer_email_after_the_target_still_leaves_the_breach_to_announce(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		communication(lead.name, "Received", "2026-03-02 11:00:00")  # follow-up cycle, due 13:00
		communication(lead.name, "Received", "2026-03-02 13:30:00")  # a newer cycle before the sweep
		outcomes = [c.outcome for c in cycle_log(lead.name)]
		self.assertEqual(outcomes, [rules.FULFILLED, rules.FAILED, "Running"])

		self.assertEqual(breached("2026-03-02 13:35:00"), [lead.name])  # the missed one, once
		self.assertEqual(state(lead.name).sla_status, rules.FIRST_RESPONSE_DUE)  # the new one runs
		self.assertNotIn(lead.name, breached("2026-03-02 13:40:00"))

	def test_an_email_before_the_target_supersedes_without_a_notice(self):
		lead = self.new_lead()
		communication(lead.name, "Received", "2026-03-02 11:00:00")
		self.assertEqual([c.outcome for c in cycle_log(lead.name)], ["Superseded", "Running"])
		self.assertEqual(sweep_due(lead.name)[0], None)
		self.assertNotIn(lead.name, breached("2026-03-02 12:30:00"))

	def test_a_late_reply_before_the_sweep_is_still_a_breach_to_announce(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 12:20:00")
		self.assertEqual(cycle_log(lead.name)[-1].outcome, rules.FAILED)
		self.assertEqual(breached("2026-03-02 12:25:00"), [lead.name])
		self.assertNotIn(lead.name, breached("2026-03-02 12:30:00"))

	def test_a_reply_in_time_leaves_nothing_to_announce(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 11:59:00")
		self.assertEqual(sweep_due(lead.name), [None])
		self.assertNotIn(lead.name, breached("2026-03-02 13:00:00"))
