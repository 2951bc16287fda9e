"""Every whitelisted method of the app, called over HTTP by Guest, a user without roles and
Administrator with missing, malformed, huge and wrongly typed arguments: never a 5xx, never a
traceback, and every refusal carries a one-line message.

The methods are found, not listed: every module of the app is imported and the functions Frappe
registered in `frappe.whitelisted` are probed, so a new endpoint is covered the day it is added.
Probes never send a complete, valid set of arguments to a method that changes data (POST only),
so nothing is created; the only committed records are the probe user and, when Administrator had
none, its API key, both removed again in tearDownClass.
"""

import importlib
import inspect
import json
import pkgutil
import threading
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password
from werkzeug.test import Client

from crm_order_extension.tests.cleanup import delete_users
from crm_order_extension.tests.http_client import Response, api_user, request

APP = "crm_order_extension"
HUGE = "x" * 100_000
# Sent as strings (form body and, where GET is allowed, the query string) ...
MALFORMED = ("abc", "[]", "-1", "{")
# ... and as JSON values where a name, a number or a flag is expected.
WRONG_TYPES = ([], ["a", "b"], {"name": "x"}, 1.5, True)


def app_whitelisted_methods() -> dict[str, object]:
	"""Dotted path -> function, for every whitelisted function of the app."""
	package = importlib.import_module(APP)
	for module in pkgutil.walk_packages(package.__path__, APP + "."):
		if not module.name.startswith(f"{APP}.tests"):
			importlib.import_module(module.name)
	return {
		f"{fn.__module__}.{fn.__name__}": fn
		for fn in frappe.whitelisted
		if getattr(fn, "__module__", "").startswith(APP + ".")
	}


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
		cls.methods = app_whitelisted_methods()
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
		"""(description, sender) for each probe of one method."""
		params = [
			p.name
			for p in inspect.signature(fn).parameters.values()
			if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
		]
		allowed = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"]
		acts = "GET" not in allowed  # POST-only methods may change data
		url = "/api/method/" + path

		def form(data):
			return lambda auth: request("POST", url, data, auth=auth)

		def query(data):
			return lambda auth: request(
				"GET", url + "?" + "&".join(f"{k}={quote(v)}" for k, v in data.items()), auth=auth
			)

		def body(data):
			return lambda auth: json_request(url, data, auth)

		cases = [("missing", {}, form, acts)] if params else []
		for value in (*MALFORMED, HUGE):
			label = "huge" if value is HUGE else f"malformed {value!r}"
			cases += [(f"{label} {p}", {p: value}, form, False) for p in params]
			cases.append((f"{label} (all)", dict.fromkeys(params, value), form, False))
			if "GET" in allowed and value is not HUGE:
				cases += [(f"{label} {p} (query)", {p: value}, query, False) for p in params]
		for value in WRONG_TYPES:
			# `true` is a valid flag (enqueue_sync_all's restart): with the others missing, a call
			# that may act.
			cases += [(f"type {value!r} {p}", {p: value}, body, acts and value is True) for p in params]
			cases.append((f"type {value!r} (all)", dict.fromkeys(params, value), body, False))
		return [(description, sender(data), may_act) for description, data, sender, may_act in cases]

	def check(self, response: Response, context) -> None:
		self.assertLess(response.status, 500, (context, response.body[:500]))
		self.assertNotIn("Traceback", response.body, context)
		data = response.json()
		self.assertNotIn("exc", data, context)
		if response.status >= 400:
			messages = response.messages() + ([data["_error_message"]] if data.get("_error_message") else [])
			self.assertTrue(messages, (context, response.body[:500]))
			for message in messages:
				self.assertTrue(message.strip(), context)
				self.assertNotIn("\n", message.strip(), context)

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
