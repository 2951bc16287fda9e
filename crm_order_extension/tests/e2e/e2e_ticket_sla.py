"""Helpdesk ticket SLA notices on the live runtime: tickets made through Helpdesk's own endpoint and
assigned as its agent UI assigns, their at-risk point and target crossed with the real scheduler
(the scheduler's tick and the worker run the 5-minute sweep), the agent told once in /helpdesk, the
bell and by email, Helpdesk's list showing Failed without a save, and a ticket answered in time
told nothing."""

import email
import unittest

from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.e2e_sla import SWEEP
from crm_order_extension.tests.e2e.harness import email_of

ASSIGN = "frappe.desk.form.assign_to.add"
AT_RISK, FAILED = "SLA at risk:", "SLA failed:"


def email_text(message: str) -> str:
	parts = email.message_from_string(message or "").walk()
	return "".join(
		(part.get_payload(decode=True) or b"").decode(errors="replace")
		for part in parts
		if part.get_content_type() in ("text/plain", "text/html")
	)


class TestTicketSLAOnTheRuntime(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.admin = context.client("admin")
		cls.agent = context.client("agent")
		cls.agent_user = email_of("agent", context.run_id())

	def new_ticket(self, subject: str) -> str:
		"""What /helpdesk's new-ticket page posts, then the agent takes it (the agent UI's "Assign to")."""
		ticket = data.helpdesk_ticket(self.agent, data.email("tsla"), subject, "Nobody answered yet")
		self.agent.call_json(ASSIGN, doctype="HD Ticket", name=ticket, assign_to=[self.agent_user])
		return ticket

	def ticket(self, name: str) -> dict:
		"""The row of Helpdesk's ticket list (its list resource reads frappe.client.get_list)."""
		rows = self.agent.call_json(
			"frappe.client.get_list",
			doctype="HD Ticket",
			filters={"name": name},
			fields=["name", "agreement_status", "modified", "first_responded_on", "response_by", "_assign"],
		)
		return rows[0] if rows else {}

	def panel(self, name: str, prefix: str) -> list[dict]:
		"""The agent's /helpdesk notifications panel: the HD Notification list it loads."""
		rows = self.agent.call_json(
			"frappe.client.get_list",
			doctype="HD Notification",
			filters={"user_to": self.agent_user},
			fields=["name", "reference_ticket", "message", "notification_type", "read"],
			order_by="creation desc",
			limit_page_length=100,
		)
		return [r for r in rows if str(r["reference_ticket"]) == name and r["message"].startswith(prefix)]

	def bell(self, name: str, prefix: str) -> list[str]:
		rows = self.agent.get_list(
			"Notification Log",
			filters={"document_type": "HD Ticket", "document_name": name, "for_user": self.agent_user},
			fields=["subject"],
		)
		return [r["subject"] for r in rows if r["subject"].startswith(prefix)]

	def emails(self, name: str, prefix: str) -> list[str]:
		queued = self.admin.get_list(
			"Email Queue",
			filters=[["Email Queue Recipient", "recipient", "=", self.agent_user]],
			fields=["name", "message"],
			limit=500,
		)
		link = f"/helpdesk/tickets/{name}"
		found = []
		for row in queued:
			text = email_text(row["message"])
			if prefix in text and (f'{link}"' in text or f"{link}'" in text or f"{link}<" in text):
				found.append(row["name"])
		return found

	def cross(self, name: str, kind: str):
		"""Time travel: the ticket's stored first-response point (`warn`) or target (`breach`) passed
		a minute ago, in the site's time zone, then the scheduler's next tick runs the sweep."""
		harness = context.harness()
		past = harness.minutes_ago(1)
		if kind == "warn":
			values = {"custom_response_warn_due": past}
		else:
			values = {"response_by": past, "custom_response_breach_due": past}
		harness.refresh()
		harness.set_values("HD Ticket", name, values)

	def assert_told_once(self, name: str, prefix: str):
		panel = self.panel(name, prefix)
		self.assertEqual(len(panel), 1, panel)
		self.assertIn(f"Ticket {name}", panel[0]["message"])
		self.assertEqual(len(self.bell(name, prefix)), 1)
		self.assertEqual(len(self.emails(name, prefix)), 1)

	def test_an_untouched_ticket_is_warned_then_failed_once_and_an_answered_one_never(self):
		late = self.new_ticket(f"E2E ticket SLA untouched {context.run_id()}")
		answered = self.new_ticket(f"E2E ticket SLA answered {context.run_id()}")
		before = self.ticket(late)
		self.assertTrue(before["response_by"], before)  # Helpdesk's default SLA gave it a target
		self.assertIn(self.agent_user, before["_assign"])
		self.assertNotEqual(before["agreement_status"], "Failed")

		# The agent answers one ticket before its at-risk point, as the agent UI's reply box does.
		response = self.agent.request(
			"POST",
			"/api/method/run_doc_method",
			json={
				"dt": "HD Ticket",
				"dn": answered,
				"method": "reply_via_agent",
				"args": {"message": "<p>We are on it.</p>", "to": self.ticket_raiser(answered)},
			},
		)
		self.assertTrue(response.ok, response.text[:2000])
		self.assertTrue(self.ticket(answered)["first_responded_on"])

		# 75 %: both tickets' at-risk points pass; the scheduler's next tick runs the sweep.
		self.cross(late, "warn")
		self.cross(answered, "warn")
		context.harness().make_job_due(SWEEP)
		wait_until(
			lambda: self.panel(late, AT_RISK),
			timeout=150,
			interval=2,
			message="the scheduler's sweep to warn the agent",
		)
		self.assert_told_once(late, AT_RISK)

		# The target: Failed in Helpdesk's list without a save, the breach told once.
		self.cross(late, "breach")
		self.cross(answered, "breach")
		modified = self.ticket(late)["modified"]
		context.harness().make_job_due(SWEEP)
		wait_until(
			lambda: self.ticket(late)["agreement_status"] == "Failed",
			timeout=150,
			interval=2,
			message="the scheduler's sweep to fail the ticket",
		)
		row = self.ticket(late)
		self.assertEqual(row["modified"], modified)
		self.assert_told_once(late, FAILED)
		self.assert_told_once(late, AT_RISK)  # nothing twice

		# The answered ticket: no notice anywhere, not Failed.
		for prefix in (AT_RISK, FAILED):
			self.assertEqual(self.panel(answered, prefix), [])
			self.assertEqual(self.bell(answered, prefix), [])
			self.assertEqual(self.emails(answered, prefix), [])
		self.assertNotEqual(self.ticket(answered)["agreement_status"], "Failed")

	def ticket_raiser(self, name: str) -> str:
		return self.agent.get_doc("HD Ticket", name)["raised_by"]
