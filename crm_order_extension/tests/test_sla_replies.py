"""Replies after the sweep, CRM's status log, and CRM's own Convert to Deal (issue 9, items 2-4)."""

import frappe
from frappe.utils import get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import sweep
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_sla import SLATestCase, communication, cycle_log, state

TARGET = "2026-03-02 12:00:00"  # START + 2 h


def first_response(name: str, doctype: str = "CRM Lead"):
	return frappe.db.get_value(doctype, name, ["first_responded_on", "first_response_time"], as_dict=True)


def run_sweep(at: str):
	"""What the cron job does, inside the test's transaction (the job itself commits)."""
	for doctype in ("CRM Lead", "CRM Deal"):
		sweep.sweep_doctype(doctype, get_datetime(at), sweep_margin())


class TestReplyAfterTheSweep(SLATestCase):
	def test_late_reply_is_recorded_on_the_failed_cycle(self):
		lead = self.new_lead()
		run_sweep("2026-03-02 12:05:00")
		self.assertEqual(state(lead.name).sla_status, rules.FAILED)
		self.assertEqual(cycle_log(lead.name)[-1].outcome, rules.FAILED)

		communication(lead.name, "Sent", "2026-03-02 12:30:00")
		[cycle] = frappe.get_all(
			"CRM SLA Cycle",
			filters={"parent": lead.name, "parenttype": "CRM Lead"},
			fields=["outcome", "responded_on", "first_response_time"],
		)
		self.assertEqual(cycle.outcome, rules.FAILED)
		self.assertEqual(get_datetime(cycle.responded_on), get_datetime("2026-03-02 12:30:00"))
		self.assertEqual(cycle.first_response_time, 2.5 * 3600)
		# The lead's figures are the cycle's, not Frappe's (reply creation minus lead creation).
		lead_figures = first_response(lead.name)
		self.assertEqual(get_datetime(lead_figures.first_responded_on), get_datetime("2026-03-02 12:30:00"))
		self.assertEqual(lead_figures.first_response_time, 2.5 * 3600)
		self.assertEqual(state(lead.name).sla_status, rules.FAILED)

	def test_reply_written_before_the_target_but_pulled_late_is_fulfilled(self):
		lead = self.new_lead()
		run_sweep("2026-03-02 12:05:00")
		communication(lead.name, "Sent", "2026-03-02 11:50:00")
		self.assertEqual(state(lead.name).sla_status, rules.FULFILLED)
		self.assertEqual(cycle_log(lead.name)[-1].outcome, rules.FULFILLED)
		self.assertEqual(first_response(lead.name).first_response_time, 110 * 60)

	def test_a_second_reply_changes_nothing(self):
		lead = self.new_lead()
		run_sweep("2026-03-02 12:05:00")
		communication(lead.name, "Sent", "2026-03-02 12:30:00")
		communication(lead.name, "Sent", "2026-03-02 13:00:00")
		self.assertEqual(
			get_datetime(cycle_log(lead.name)[-1].responded_on), get_datetime("2026-03-02 12:30:00")
		)
		self.assertEqual(first_response(lead.name).first_response_time, 2.5 * 3600)

	def test_performance_report_counts_late_replies(self):
		from frappe.desk.query_report import run

		day = "2025-02-11"
		late = self.new_lead(f"{day} 09:00:00")
		run_sweep(f"{day} 11:05:00")
		communication(late.name, "Sent", f"{day} 12:00:00")
		on_time = self.new_lead(f"{day} 09:00:00")
		communication(on_time.name, "Sent", f"{day} 10:00:00")
		result = run("SLA Performance", filters={"from_date": day, "to_date": day})
		(row,) = result["result"]
		self.assertEqual((row["leads"], row["fulfilled"], row["failed"]), (2, 1, 1))
		self.assertEqual(row["median_first_response"], (3 * 3600 + 3600) / 2)


def status_log(lead: str) -> list[tuple[str, str]]:
	return [
		(row["from"], row["to"] or "")
		for row in frappe.get_all(
			"CRM Status Change Log",
			filters={"parent": lead, "parenttype": "CRM Lead", "parentfield": "status_change_log"},
			fields=["`from`", "`to`"],
			order_by="idx",
		)
	]


class TestStatusChangeLog(SLATestCase):
	def test_automated_moves_reach_crms_status_log(self):
		lead = self.new_lead()
		self.assertEqual(status_log(lead.name), [("New", "")])
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		self.assertEqual(status_log(lead.name), [("New", "Contacted"), ("Contacted", "")])
		communication(lead.name, "Received", "2026-03-02 11:00:00")
		self.assertEqual(status_log(lead.name), [("New", "Contacted"), ("Contacted", "OPEN"), ("OPEN", "")])
		# The closed rows carry a duration, as CRM's time-in-status needs.
		durations = frappe.get_all(
			"CRM Status Change Log",
			filters={"parent": lead.name, "parenttype": "CRM Lead"},
			fields=["duration", "log_owner"],
			order_by="idx",
		)
		self.assertTrue(all(row.duration is not None for row in durations[:-1]))
		self.assertEqual(durations[1].log_owner, frappe.session.user)

	def test_a_reply_on_a_contacted_lead_adds_no_row(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		communication(lead.name, "Sent", "2026-03-02 10:40:00")
		self.assertEqual(len(status_log(lead.name)), 2)


class TestConvertToDealThroughCRM(SLATestCase):
	"""Through CRM's own `convert_to_deal` (the /crm button), which copies every same-named field."""

	def setUp(self):
		# CRM asks an exchange-rate site unless the deal is in CRM's own currency.
		frappe.db.set_single_value("FCRM Settings", "currency", fx.CURRENCY)

	def convert(self, lead: str) -> str:
		from crm.fcrm.doctype.crm_lead.crm_lead import convert_to_deal

		return convert_to_deal(lead)

	def test_deal_has_exactly_one_running_cycle_and_the_lead_keeps_its_own(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		communication(lead.name, "Received", "2026-03-02 11:00:00")
		lead_cycles = cycle_log(lead.name)
		self.assertEqual([c.outcome for c in lead_cycles], ["Fulfilled", "Running"])

		deal = self.convert(lead.name)
		deal_cycles = cycle_log(deal, "CRM Deal")
		self.assertEqual([c.outcome for c in deal_cycles], ["Running"])
		self.assertEqual(get_datetime(deal_cycles[0].response_by), get_datetime("2026-03-02 13:00:00"))
		self.assertEqual([c.outcome for c in cycle_log(lead.name)], ["Fulfilled", "Superseded"])

		# The next sweep breaches the deal once and finds nothing stale.
		found = sweep.sweep_doctype("CRM Deal", get_datetime("2026-03-02 13:05:00"), sweep_margin())
		self.assertEqual([row.name for row in found["breached"] if row.name == deal], [deal])
		self.assertEqual([c.outcome for c in cycle_log(deal, "CRM Deal")], ["Failed"])

	def test_deal_order_history_is_resolved_for_the_deal(self):
		customer = fx.make_customer(f"Convert Co {frappe.generate_hash(length=6)}")
		email = f"{frappe.generate_hash(length=8)}@example.com"
		fx.make_contact("Conny", email, customer)
		so = fx.make_sales_order(customer, [("COE-CAKE", 2, 5)])
		lead = fx.make_lead("Sally", email=email)
		from crm_order_extension.orders.history import sync_record

		sync_record("CRM Lead", lead.name)
		from crm_order_extension.api.orders import get_order_history

		lead_history = get_order_history("CRM Lead", lead.name, 0, 500)
		self.assertEqual([r.sales_order for r in lead_history["rows"]], [so.name])

		deal = self.convert(lead.name)
		deal_history = get_order_history("CRM Deal", deal, 0, 500)
		self.assertEqual([r.sales_order for r in deal_history["rows"]], [so.name])
		# Both show their customer's one stored history, not copies of it.
		self.assertEqual(deal_history["history"], lead_history["history"])
		self.assertFalse(frappe.db.exists("CRM Lead Order Item", {"parent": ("in", [lead.name, deal])}))
		values = frappe.db.get_value(
			"CRM Deal", deal, ["custom_order_customer", "custom_order_match_level"], as_dict=True
		)
		self.assertEqual(values.custom_order_customer, customer)
		self.assertEqual(values.custom_order_match_level, "contact")
		# The lead keeps showing it.
		self.assertEqual(get_order_history("CRM Lead", lead.name, 0, 500)["rows"], lead_history["rows"])


def sweep_margin():
	from datetime import timedelta

	return timedelta(minutes=30)


class TestStartIsTheCycleStart(SLATestCase):
	def test_reply_before_the_customer_email_does_not_answer_the_new_cycle(self):
		lead = self.new_lead()
		communication(lead.name, "Sent", "2026-03-02 10:30:00")
		communication(lead.name, "Received", "2026-03-02 11:00:00")
		# An old reply of ours synced late, dated before the customer's email.
		communication(lead.name, "Sent", "2026-03-02 10:45:00")
		self.assertEqual(cycle_log(lead.name)[-1].outcome, "Running")
		self.assertEqual(state(lead.name).sla_status, rules.FIRST_RESPONSE_DUE)
