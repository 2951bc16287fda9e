"""A small HTTP client for Frappe's REST API, authenticated as one user by API key."""

import json
import time

import requests


class APIError(Exception):
	def __init__(self, response: requests.Response):
		self.status = response.status_code
		self.body = response.text
		super().__init__(f"HTTP {self.status}: {self.body[:500]}")

	def messages(self) -> list[str]:
		try:
			raw = json.loads(self.body).get("_server_messages")
		except ValueError:
			return []
		return [json.loads(m).get("message", "") for m in json.loads(raw)] if raw else []


class Client:
	def __init__(self, base_url: str, site: str, auth: tuple[str, str] | None = None, registry=None):
		self.base_url = base_url.rstrip("/")
		self.session = requests.Session()
		self.session.headers.update({"Host": site, "Accept": "application/json"})
		if auth:
			self.session.headers["Authorization"] = f"token {auth[0]}:{auth[1]}"
		self.registry = registry if registry is not None else []

	def request(self, method: str, path: str, **kwargs) -> requests.Response:
		return self.session.request(method, self.base_url + path, timeout=120, **kwargs)

	def call(self, method: str, http: str = "POST", **args):
		"""`/api/method/<method>`; the `message`, or APIError for any non-2xx answer."""
		payload = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in args.items()}
		if http == "GET":
			response = self.request("GET", "/api/method/" + method, params=payload)
		else:
			response = self.request(http, "/api/method/" + method, data=payload)
		if not response.ok:
			raise APIError(response)
		return response.json().get("message")

	def call_json(self, method: str, **args):
		"""`/api/method/<method>` with a JSON body, as the /crm and /helpdesk pages (frappe-ui) send
		it: dicts and lists arrive as such, not as JSON strings."""
		response = self.request("POST", "/api/method/" + method, json=args)
		if not response.ok:
			raise APIError(response)
		return response.json().get("message")

	def insert(self, doc: dict) -> dict:
		"""Insert a new document; a mapped one (e.g. from make_sales_invoice) loses its temporary
		names first."""
		if doc.get("__islocal"):
			doc = _fresh(doc)
		response = self.request("POST", f"/api/resource/{doc['doctype']}", json=doc)
		if not response.ok:
			raise APIError(response)
		created = response.json()["data"]
		self.registry.append((created["doctype"], created["name"]))
		return created

	def get_doc(self, doctype: str, name) -> dict:
		response = self.request("GET", f"/api/resource/{doctype}/{name}")
		if not response.ok:
			raise APIError(response)
		return response.json()["data"]

	def update(self, doctype: str, name, values: dict) -> dict:
		response = self.request("PUT", f"/api/resource/{doctype}/{name}", json=values)
		if not response.ok:
			raise APIError(response)
		return response.json()["data"]

	def submit(self, doctype: str, name) -> dict:
		return self.call("frappe.client.submit", doc=self.get_doc(doctype, name))

	def cancel(self, doctype: str, name) -> None:
		self.call("frappe.client.cancel", doctype=doctype, name=name)

	def get_list(self, doctype: str, filters=None, fields=None, limit: int = 100) -> list[dict]:
		params = {"limit_page_length": limit, "fields": json.dumps(fields or ["name"])}
		if filters:
			params["filters"] = json.dumps(filters)
		response = self.request("GET", f"/api/resource/{doctype}", params=params)
		if not response.ok:
			raise APIError(response)
		return response.json()["data"]


def _fresh(doc: dict) -> dict:
	doc = {k: v for k, v in doc.items() if k not in ("name", "__islocal", "__unsaved")}
	for key, value in doc.items():
		if isinstance(value, list) and value and isinstance(value[0], dict):
			doc[key] = [_fresh(row) for row in value]
	return doc


def wait_until(probe, timeout: float = 90, interval: float = 0.5, message: str = "condition"):
	"""Poll `probe()` until it returns something truthy (real jobs take their time)."""
	deadline = time.monotonic() + timeout
	last = None
	while time.monotonic() < deadline:
		last = probe()
		if last:
			return last
		time.sleep(interval)
	raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}; last value: {last!r}")
