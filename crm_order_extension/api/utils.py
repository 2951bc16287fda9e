"""Argument and permission checks shared by the app's whitelisted methods."""

import frappe
from frappe import _

from crm_order_extension.exceptions import InvalidArgumentError


def client_error(message: str, exc: type[Exception] = InvalidArgumentError):
	"""Refuse a request the caller got wrong: a message, its HTTP status, never a traceback."""
	frappe.flags.disable_traceback = True
	frappe.throw(message, exc, title=_("Invalid request"))


def required(value, label: str) -> str:
	if isinstance(value, int) and not isinstance(value, bool):
		value = str(value)  # HD Ticket names are integers
	if not isinstance(value, str) or not value.strip():
		client_error(_("{0} is required").format(label))
	return value.strip()


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
