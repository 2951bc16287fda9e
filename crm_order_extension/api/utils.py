"""Argument and permission checks shared by the app's whitelisted methods."""

from datetime import date

import frappe
from frappe import _

from crm_order_extension.core import arguments
from crm_order_extension.core.errors import RuleError
from crm_order_extension.exceptions import InvalidArgumentError
from crm_order_extension.utils.messages import rule_message

# Any value a caller can send: a form or query string carries strings, a JSON body any JSON value.
# Frappe checks arguments against the type hints before the method runs and answers a mismatch
# (a list where a name belongs, "abc" for a number) with HTTP 417, a traceback and no message; so
# the app's endpoints declare this and read each argument with the helpers below, which answer
# 400 with a one-line message.
JSONValue = str | int | float | bool | list | dict | None

API_PATHS = ("/api/method/crm_order_extension.", "/api/v2/method/crm_order_extension.")


def quiet_errors():
	"""before_request hook: the app's endpoints answer errors with their message only. Frappe
	refuses some requests (Guest, wrong HTTP method) before the method runs, where it could not
	switch the traceback off itself; 5xx still go to the Error Log with theirs."""
	request = getattr(frappe.local, "request", None)
	if request and request.path.startswith(API_PATHS):
		frappe.local.flags.disable_traceback = True


def client_error(message: str, exc: type[Exception] = InvalidArgumentError):
	"""Refuse a request the caller got wrong: a message, its HTTP status, never a traceback."""
	frappe.flags.disable_traceback = True
	frappe.throw(message, exc, title=_("Invalid request"))


def _read(parse, *args, **kwargs):
	try:
		return parse(*args, **kwargs)
	except RuleError as err:
		client_error(rule_message(err))


def required(value, label: str, max_length: int = arguments.MAX_NAME_LENGTH) -> str:
	"""A non-empty single value (a record name, a status), stripped."""
	return _read(arguments.text, value, label, max_length)


def optional(value, label: str, max_length: int = arguments.MAX_NAME_LENGTH) -> str | None:
	return _read(arguments.text, value, label, max_length, required=False)


def int_arg(value, label: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
	return _read(arguments.integer, value, label, default, minimum, maximum)


def bool_arg(value, label: str, default: bool = False) -> bool:
	return _read(arguments.boolean, value, label, default)


def names_arg(value, label: str) -> list[str]:
	"""Record names: a list, a JSON array (frappe.call sends lists so) or a single name."""
	return _read(arguments.names, value, label)


def date_arg(value, label: str) -> date:
	"""A date in ISO or the system's date format."""
	from frappe.utils import getdate

	value = required(value, label, max_length=40)
	messages = len(frappe.local.message_log)
	try:
		parsed = getdate(value)
	except Exception:
		# getdate's own message does not name the argument; this one replaces it.
		frappe.local.message_log = frappe.local.message_log[:messages]
		parsed = None
	if not parsed:
		client_error(_("{0} {1} is not a valid date").format(label, value))
	return parsed


def check_permitted(doctype: str, name: str, ptype: str = "read") -> None:
	"""Permission on the DocType first, so callers without access learn nothing about records."""
	try:
		frappe.has_permission(doctype, ptype, throw=True)
		if not frappe.db.exists(doctype, name):
			client_error(_("{0} {1} not found").format(_(doctype), name), frappe.DoesNotExistError)
		frappe.has_permission(doctype, ptype, doc=name, throw=True)
	except frappe.PermissionError:
		frappe.flags.disable_traceback = True
		raise
