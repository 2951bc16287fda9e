"""Live order history (issue 11): a Work Order stage change, run by the real worker, reaches the
pages that have the record open through the socket.io server, without a reload."""

import json
import os
import queue
import subprocess
import threading
import time
import unittest

from crm_order_extension.tests.e2e import context, data
from crm_order_extension.tests.e2e.client import wait_until
from crm_order_extension.tests.e2e.harness import email_of

HISTORY_CHANGED = "crm_order_extension:history_changed"
API = "crm_order_extension.api.orders."


class SocketListener:
	"""A socket.io client (node, Frappe's own socket.io-client) subscribed as one of the run's
	users; collects the events it is told about."""

	def __init__(self, user: str, *events: str):
		harness = context.harness()
		key, secret = harness.users[user]
		client = os.path.realpath("../apps/frappe/node_modules/socket.io-client")
		self.process = subprocess.Popen(
			[
				"node",
				os.path.join(os.path.dirname(__file__), "socket_listener.js"),
				client,
				f"http://{harness.site}:{context.socketio_port()}",
				harness.site,
				context.origin(),
				f"{key}:{secret}",
				*events,
			],
			stdout=subprocess.PIPE,
			text=True,
		)
		self.messages: queue.Queue = queue.Queue()
		threading.Thread(target=self._read, daemon=True).start()

	def _read(self):
		for line in self.process.stdout:
			try:
				self.messages.put(json.loads(line))
			except ValueError:
				continue

	def wait_for(self, predicate, timeout: float = 60):
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			try:
				message = self.messages.get(timeout=max(deadline - time.monotonic(), 0.1))
			except queue.Empty:
				break
			if message.get("event") == "connect_error":
				raise AssertionError(f"socket.io refused the connection: {message.get('message')}")
			if predicate(message):
				return message
		raise AssertionError("the event did not arrive")

	def close(self):
		self.process.terminate()
		self.process.wait(10)


class TestLiveHistory(unittest.TestCase):
	def test_a_stage_change_reaches_open_pages_by_socket(self):
		admin = context.client("admin")
		customer = data.customer(admin)
		buyer = data.email("live")
		data.contact(admin, buyer, customer)
		# the Sales User's lead (CRM v1.81 shows a Sales User the leads it owns or is assigned)
		owner = email_of("sales", context.run_id())
		lead = admin.insert(
			{"doctype": "CRM Lead", "first_name": "E2E Live", "email": buyer, "lead_owner": owner}
		)["name"]
		so = data.sales_order(admin, customer, [("COE-CAKE", 1, 5)])
		work_order = data.work_order(admin, so, "COE-CAKE")

		def rows():
			return admin.call(API + "get_order_history", http="GET", doctype="CRM Lead", name=lead)["rows"]

		wait_until(
			lambda: [r for r in rows() if r.get("work_order") == work_order["name"]], message="history"
		)
		context.harness().wait_for_jobs()

		# The page learns which (customer's) history it shows when it reads it; a stage change
		# announces that history once, for every record of the customer.
		key = admin.call(API + "get_order_history", http="GET", doctype="CRM Lead", name=lead)["history"]
		self.assertTrue(key)
		listener = SocketListener("sales", HISTORY_CHANGED)
		try:
			listener.wait_for(lambda m: m["event"] == "connected", timeout=30)
			admin.update("Work Order", work_order["name"], {"custom_qa_status": "REJECTED"})
			message = listener.wait_for(
				lambda m: m["event"] == HISTORY_CHANGED and m["message"].get("history") == key
			)
		finally:
			listener.close()
		self.assertNotIn("name", message["message"])  # the customer-wide event names no record
		[row] = rows()
		self.assertEqual((row["qa_status"], row["ship_status"]), ("REJECTED", "At risk"))
		self.assertIn("QA rejected", row["ship_reason"])
		summary = admin.call(API + "get_order_history", http="GET", doctype="CRM Lead", name=lead)["summary"]
		self.assertEqual(summary["open_orders"], 1)
