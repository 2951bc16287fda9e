"""State shared by the runner and the e2e test modules: where the site is, the harness, the users'
clients, and every record the run created (removed at the end)."""

from crm_order_extension.tests.e2e.client import Client

_state: dict = {"records": []}


def setup(base_url: str, site: str, harness) -> None:
	_state.update(base_url=base_url, site=site, harness=harness)


def harness():
	return _state["harness"]


def registry() -> list:
	return _state["records"]


def client(user: str | None = None) -> Client:
	"""A client acting as one of the run's users (harness.USERS), or as Guest."""
	auth = _state["harness"].users[user] if user else None
	return Client(_state["base_url"], _state["site"], auth=auth, registry=_state["records"])


def socketio_port() -> int:
	import frappe

	return int(frappe.get_conf().socketio_port or 9000)


def origin() -> str:
	"""The web address pages are served from, as socket.io checks it."""
	return _state["base_url"].replace("127.0.0.1", _state["site"])


def run_id() -> str:
	return _state["harness"].run_id
