"""Probes of every whitelisted method of the app with bad input (issue 9, item 8), shared by the
tier-2 test (through Frappe's WSGI app) and the tier-3 test (against the live web process)."""

import importlib
import inspect
import json
import pkgutil

import frappe

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


def cases(fn) -> list[tuple[str, str, dict, bool]]:
	"""(description, how to send: form | query | body, data, may_act) for each probe of one method.
	`may_act`: a complete, valid call of a POST-only method could change data."""
	params = [
		p.name
		for p in inspect.signature(fn).parameters.values()
		if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
	]
	allowed = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"]
	acts = "GET" not in allowed
	found = [("missing", "form", {}, acts)] if params else []
	for value in (*MALFORMED, HUGE):
		label = "huge" if value is HUGE else f"malformed {value!r}"
		found += [(f"{label} {p}", "form", {p: value}, False) for p in params]
		found.append((f"{label} (all)", "form", dict.fromkeys(params, value), False))
		if "GET" in allowed and value is not HUGE:
			found += [(f"{label} {p} (query)", "query", {p: value}, False) for p in params]
	for value in WRONG_TYPES:
		# `true` is a valid flag (enqueue_sync_all's restart): with the others missing, a call
		# that may act.
		found += [(f"type {value!r} {p}", "body", {p: value}, acts and value is True) for p in params]
		found.append((f"type {value!r} (all)", "body", dict.fromkeys(params, value), False))
	return found


def check(test, status: int, body: str, context) -> None:
	"""No 5xx, no traceback, and a refusal carries one-line messages."""
	test.assertLess(status, 500, (context, body[:500]))
	test.assertNotIn("Traceback", body, context)
	try:
		data = json.loads(body)
	except ValueError:
		data = {}
	test.assertNotIn("exc", data, context)
	if status >= 400:
		raw = data.get("_server_messages")
		messages = [json.loads(m).get("message", "") for m in json.loads(raw)] if raw else []
		if data.get("_error_message"):
			messages.append(data["_error_message"])
		test.assertTrue(messages, (context, body[:500]))
		for message in messages:
			test.assertTrue(message.strip(), context)
			test.assertNotIn("\n", message.strip(), context)
