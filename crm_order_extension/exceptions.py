import frappe


class InvalidArgumentError(frappe.ValidationError):
	"""A missing or malformed argument of a whitelisted method: HTTP 400, not a traceback."""

	http_status_code = 400
