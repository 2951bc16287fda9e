"""Every whitelisted method of the app, called over HTTP by Guest, a user without roles and
Administrator with missing, malformed, huge and wrongly typed arguments: never a 5xx, never a
traceback, and every refusal carries a one-line message.

The methods are found, not listed: every module of the app is imported and the functions Frappe
registered in `frappe.whitelisted` are probed, so a new endpoint is covered the day it is added.
Probes never send a complete, valid set of arguments to a method that changes data (POST only),
so nothing is created; the only committed records are the probe user and, when Administrator had
none, its API key, both removed again in tearDownClass.
"""

import json
import threading
from urllib.parse import urlencode

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password
from werkzeug.test import Client

from crm_order_extension.tests import probe
from crm_order_extension.tests.cleanup import delete_users
from crm_order_extension.tests.http_client import Response, api_user, request

APP = "crm_order_extension"


def json_request(path: str, payload: dict, auth: tuple[str, str] | None) -> Response:
	"""A POST with a JSON body (tests/http_client sends form data)."""
	from frappe.app import application

	site, result = frappe.local.site, {}
	headers = {"Host": site, "Accept": "application/json", "X-Frappe-Site-Name": site}
	if auth:
		headers["Authorization"] = f"token {auth[0]}:{auth[1]}"

	def run():
		response = Client(application).open(
			path, method="POST", data=json.dumps(payload), content_type="application/json", headers=headers
		)
		result["response"] = Response(response.status_code, response.get_data(as_text=True))

	thread = threading.Thread(target=run)
	thread.start()
	thread.join(120)
	return result["response"]


class TestWhitelistedMethodsProbe(FrappeTestCase):
	ROLELESS = "coe-probe-roleless@example.com"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.started = now_datetime()
		cls.methods = probe.app_whitelisted_methods()
		cls.roleless = api_user(cls.ROLELESS, [])
		cls.admin = cls.admin_token()
		frappe.db.commit()

	@classmethod
	def admin_token(cls) -> tuple[str, str]:
		"""Administrator's API key: its own when it has one, else a temporary one."""
		cls.admin_key = frappe.db.get_value("User", "Administrator", "api_key")
		secret = get_decrypted_password("User", "Administrator", "api_secret", raise_exception=False)
		cls.temporary_admin_key = not (cls.admin_key and secret)
		if cls.temporary_admin_key:
			key, secret = cls.admin_key or frappe.generate_hash(length=15), frappe.generate_hash(length=15)
			frappe.db.set_value("User", "Administrator", "api_key", key, update_modified=False)
			set_encrypted_password("User", "Administrator", secret, "api_secret")
			return key, secret
		return cls.admin_key, secret

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		if cls.temporary_admin_key:
			frappe.db.set_value("User", "Administrator", "api_key", cls.admin_key, update_modified=False)
			remove_encrypted_password("User", "Administrator", "api_secret")
		delete_users([cls.ROLELESS])
		frappe.db.commit()
		super().tearDownClass()

	def probes(self, path: str, fn):
		"""(description, sender, may_act) for each probe of one method."""
		url = "/api/method/" + path
		senders = {
			"form": lambda data: lambda auth: request("POST", url, data, auth=auth),
			"query": lambda data: lambda auth: request("GET", url + "?" + urlencode(data), auth=auth),
			"body": lambda data: lambda auth: json_request(url, data, auth),
		}
		return [(d, senders[kind](data), may_act) for d, kind, data, may_act in probe.cases(fn)]

	def check(self, response: Response, context) -> None:
		probe.check(self, response.status, response.body, context)

	def test_methods_are_found(self):
		for path in (
			"crm_order_extension.api.orders.get_order_history",
			"crm_order_extension.api.orders.enqueue_sync_all",
			"crm_order_extension.api.commissions.mark_paid",
			"crm_order_extension.api.pipelines.advance",
			"crm_order_extension.api.sla.failed_today",
		):
			self.assertIn(path, self.methods)

	def test_every_method_answers_bad_input_cleanly(self):
		users = {"Guest": None, "role-less": self.roleless, "Administrator": self.admin}
		probed = 0
		for path, fn in sorted(self.methods.items()):
			for description, send, may_act in self.probes(path, fn):
				for user, auth in users.items():
					if may_act and user == "Administrator":
						continue  # a complete call could act (e.g. queue a bulk sync)
					with self.subTest(method=path, probe=description, user=user):
						self.check(send(auth), (path, description, user))
					probed += 1
		self.assertGreater(probed, 100)
		# A 5xx is logged with its traceback: none may name the app's endpoints.
		self.assertFalse(
			frappe.get_all(
				"Error Log",
				filters={"creation": (">=", self.started), "error": ("like", f"%{APP}/api/%")},
				pluck="name",
			)
		)

	def test_guest_is_refused_everywhere(self):
		for path in self.methods:
			response = request("POST", "/api/method/" + path, {})
			self.check(response, path)
			self.assertEqual(response.status, 403, (path, response.body[:300]))
