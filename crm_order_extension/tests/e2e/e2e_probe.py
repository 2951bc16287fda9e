"""Every whitelisted method of the app against the live web process with bad input, as Guest, a
user without roles and an administrator: no 5xx, no traceback, a one-line message (issue 9,
item 8). The cases are tier 2's (tests/probe.py)."""

import unittest

import frappe

from crm_order_extension.tests import probe
from crm_order_extension.tests.e2e import context


class TestBadInputOnTheLiveServer(unittest.TestCase):
	def test_every_method_answers_bad_input_cleanly(self):
		started = frappe.utils.now_datetime()
		users = {"Guest": None, "role-less": "crm_only", "admin": "admin"}
		clients = {label: context.client(user) for label, user in users.items()}
		probed = 0
		for path, fn in sorted(probe.app_whitelisted_methods().items()):
			url = "/api/method/" + path
			for description, kind, data, may_act in probe.cases(fn):
				for label, user in users.items():
					if may_act and user == "admin":
						continue  # a complete call could act (e.g. queue a bulk sync)
					api = clients[label]
					if kind == "form":
						response = api.request("POST", url, data=data)
					elif kind == "query":
						response = api.request("GET", url, params=data)
					else:
						response = api.request("POST", url, json=data)
					with self.subTest(method=path, probe=description, user=label):
						probe.check(self, response.status_code, response.text, (path, description, label))
					probed += 1
		self.assertGreater(probed, 100)
		context.harness().refresh()
		self.assertFalse(
			frappe.get_all(
				"Error Log",
				filters={"creation": (">=", started), "error": ("like", f"%{probe.APP}/api/%")},
				pluck="name",
			)
		)
