"""Real HTTP requests through Frappe's WSGI application, for permission and error-status tests.

Each request runs in its own thread, as in a web worker: the app calls frappe.init/destroy for the
request, which must not touch the test's own connection. Data the request should see has to be
committed first.
"""

import json
import threading

import frappe
from werkzeug.test import Client

from crm_order_extension.tests.cleanup import drop_queued_jobs


class Response:
	def __init__(self, status: int, body: str):
		self.status = status
		self.body = body

	def json(self) -> dict:
		try:
			return json.loads(self.body)
		except ValueError:
			return {}

	def messages(self) -> list[str]:
		"""Texts of the `_server_messages` a Frappe error response carries."""
		raw = self.json().get("_server_messages")
		return [json.loads(m).get("message", "") for m in json.loads(raw)] if raw else []


def request(
	method: str, path: str, data: dict | None = None, auth: tuple[str, str] | None = None
) -> Response:
	from frappe.app import application

	site, result = frappe.local.site, {}
	headers = {"Host": site, "Accept": "application/json", "X-Frappe-Site-Name": site}
	if auth:
		headers["Authorization"] = f"token {auth[0]}:{auth[1]}"

	def run():
		client = Client(application)
		response = client.open(path, method=method, data=data or {}, headers=headers)
		result["response"] = Response(response.status_code, response.get_data(as_text=True))

	thread = threading.Thread(target=run)
	thread.start()
	thread.join(120)
	drop_queued_jobs()
	return result["response"]


def api_user(email: str, roles: list[str]) -> tuple[str, str]:
	"""A committed user with these roles only, and an API key/secret to call as them."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"roles": [{"role": role} for role in roles],
			}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	secret = frappe.generate_hash(length=15)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	frappe.db.commit()
	return user.api_key, secret
