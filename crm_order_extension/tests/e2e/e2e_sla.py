"""The lead SLA on the live runtime: replies and customer emails over HTTP, breaches found by the
real cron (the scheduler's tick and the Scheduled Job Type on the real worker), notices, late
replies, and CRM's own Convert to Deal."""

import unittest
from datetime import datetime

from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.harness import email_of

SWEEP = "crm_order_extension.sla.sweep.sweep"
MAKE_EMAIL = "frappe.core.doctype.communication.email.make"


def parse(value) -> datetime:
	return datetime.fromisoformat(str(value))


class SLACase(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.admin = context.client("admin")
		cls.sales = context.client("sales")
		cls.owner = email_of("sales", context.run_id())

	def new_lead(self) -> tuple[str, str]:
		buyer = data.email("lead")
		lead = self.sales.insert(
			{"doctype": "CRM Lead", "first_name": "E2E Lead", "email": buyer, "lead_owner": self.owner}
		)["name"]
		return lead, buyer

	def reply(self, doctype: str, name, to: str):
		"""What /crm's email box sends."""
		self.sales.call(
			MAKE_EMAIL,
			doctype=doctype,
			name=name,
			subject="Re: your enquiry",
			content="Thanks, we are on it.",
			recipients=to,
			send_email=1,
			sender=self.owner,
		)

	def customer_email(self, doctype: str, name, sender: str):
		"""What the email pull inserts for an incoming message."""
		self.admin.insert(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"sender": sender,
				"subject": "Any news?",
				"content": "Hello again",
				"reference_doctype": doctype,
				"reference_name": name,
			}
		)

	def doc(self, doctype: str, name) -> dict:
		return self.admin.get_doc(doctype, name)

	def overdue(self, doctype: str, name):
		"""Time travel: the running cycle's target passed a minute ago."""
		context.harness().make_overdue(doctype, name)

	def run_sweep_on_worker(self):
		"""Desk's Execute on the Scheduled Job Type: the real job on the real worker."""
		job_type = self.admin.get_list("Scheduled Job Type", filters={"method": SWEEP})[0]["name"]
		before = len(
			self.admin.get_list("Scheduled Job Log", filters={"scheduled_job_type": job_type}, limit=500)
		)
		self.admin.call(
			"frappe.core.doctype.scheduled_job_type.scheduled_job_type.execute_event",
			doc={"name": job_type},
		)
		wait_until(
			lambda: [
				log
				for log in self.admin.get_list(
					"Scheduled Job Log",
					filters={"scheduled_job_type": job_type, "status": "Complete"},
					fields=["name"],
					limit=500,
				)
			][before:],
			message="the sweep job to complete on the worker",
		)

	def notices(self, api, doctype: str, name) -> list[str]:
		rows = api.get_list(
			"Notification Log",
			filters={"document_type": doctype, "document_name": name},
			fields=["subject"],
		)
		return [r["subject"] for r in rows]

	def assert_told_once_in_crm_and_by_email(self, lead: str):
		"""/crm's notifications panel (what it loads) and one queued email, which Desk's "Send Now"
		delivers to the run's mail sink."""
		panel = self.sales.call("crm.api.notifications.get_notifications", http="GET")
		self.assertEqual(len([n for n in panel if n["reference_name"] == lead]), 1, panel)
		queued = self.admin.get_list(
			"Email Queue",
			filters=[
				["Email Queue Recipient", "recipient", "=", self.owner],
				["message", "like", f"%{lead}%"],
			],
			fields=["name", "status"],
		)
		self.assertEqual(len(queued), 1, queued)
		sink = context.harness().smtp
		if sink and queued[0]["status"] == "Not Sent":
			self.admin.call("frappe.email.doctype.email_queue.email_queue.send_now", name=queued[0]["name"])
			self.assertTrue([m for m in sink.messages if lead.encode() in m and self.owner.encode() in m])


class TestLeadSLAOnTheRuntime(SLACase):
	def test_reply_customer_email_breach_notice_and_late_reply(self):
		lead, buyer = self.new_lead()
		doc = self.doc("CRM Lead", lead)
		self.assertEqual((doc["sla"], doc["sla_status"]), ("Lead Response SLA", "First Response Due"))

		self.reply("CRM Lead", lead, buyer)
		doc = self.doc("CRM Lead", lead)
		self.assertEqual(
			(doc["status"], doc["communication_status"], doc["sla_status"]),
			("Contacted", "Replied", "Fulfilled"),
		)

		self.customer_email("CRM Lead", lead, buyer)
		doc = self.doc("CRM Lead", lead)
		self.assertEqual(
			(doc["status"], doc["sla"], doc["sla_status"]),
			("OPEN", "Customer Follow-up Response SLA", "First Response Due"),
		)
		self.assertEqual(
			[(row["from"], row["to"] or "") for row in doc["status_change_log"]],
			[("New", "Contacted"), ("Contacted", "OPEN"), ("OPEN", "")],
		)

		# The real cron: the scheduler's next tick finds the sweep due and the worker runs it.
		self.overdue("CRM Lead", lead)
		context.harness().make_job_due(SWEEP)
		wait_until(
			lambda: self.doc("CRM Lead", lead)["sla_status"] == "Failed",
			timeout=150,
			interval=2,
			message="the scheduler's sweep to fail the lead",
		)
		notices = wait_until(lambda: self.notices(self.sales, "CRM Lead", lead), message="breach notice")
		self.assertEqual(len([n for n in notices if "SLA failed" in n]), 1, notices)
		self.assert_told_once_in_crm_and_by_email(lead)

		# Another sweep through the Scheduled Job Type announces nothing twice.
		self.run_sweep_on_worker()
		self.assertEqual(len([n for n in self.notices(self.sales, "CRM Lead", lead) if "SLA failed" in n]), 1)
		self.assert_told_once_in_crm_and_by_email(lead)

		# Our late reply is recorded on the failed cycle, measured from the cycle's start.
		self.reply("CRM Lead", lead, buyer)
		doc = self.doc("CRM Lead", lead)
		cycle = doc["custom_sla_cycles"][-1]
		self.assertEqual(cycle["outcome"], "Failed")
		self.assertTrue(cycle["responded_on"])
		expected = (parse(cycle["responded_on"]) - parse(cycle["cycle_start"])).total_seconds()
		self.assertAlmostEqual(cycle["first_response_time"], expected, delta=1)
		self.assertAlmostEqual(doc["first_response_time"], expected, delta=1)


class TestConvertToDealOnTheRuntime(SLACase):
	def test_crm_convert_to_deal_gives_the_deal_one_running_cycle(self):
		lead, buyer = self.new_lead()
		self.reply("CRM Lead", lead, buyer)
		self.customer_email("CRM Lead", lead, buyer)
		deal = self.sales.call("crm.fcrm.doctype.crm_lead.crm_lead.convert_to_deal", lead=lead)
		context.registry().append(("CRM Deal", deal))

		deal_doc = self.doc("CRM Deal", deal)
		self.assertEqual([c["outcome"] for c in deal_doc["custom_sla_cycles"]], ["Running"])
		self.assertNotIn("custom_order_history", deal_doc)  # server-owned rows, never copied
		lead_doc = self.doc("CRM Lead", lead)
		self.assertEqual([c["outcome"] for c in lead_doc["custom_sla_cycles"]], ["Fulfilled", "Superseded"])

		self.overdue("CRM Deal", deal)
		self.run_sweep_on_worker()
		deal_doc = self.doc("CRM Deal", deal)
		self.assertEqual([c["outcome"] for c in deal_doc["custom_sla_cycles"]], ["Failed"])
		self.assertEqual(deal_doc["sla_status"], "Failed")
		notices = self.notices(self.sales, "CRM Deal", deal)
		self.assertEqual(len([n for n in notices if "SLA failed" in n]), 1, notices)
