"""Revealing a stored SSN / EIN / ITIN (Sensitive ID): Sensitive Data Viewer role only, logged."""

import frappe
from frappe import _

from crm_order_extension.api.utils import JSONValue, check_permitted, required
from crm_order_extension.pipelines import sensitive_ids


@frappe.whitelist(methods=["POST"])
def reveal(name: JSONValue = None) -> dict:
	"""The number of Sensitive ID `name` (`value`: digits, `formatted`: with dashes); writes an
	Access Log row (method "Reveal") with the user and time. POST: every call is recorded."""
	name = required(name, _("Sensitive ID"))
	if sensitive_ids.VIEWER_ROLE not in frappe.get_roles():
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("Revealing a Sensitive ID needs the {0} role").format(_(sensitive_ids.VIEWER_ROLE)),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	check_permitted(sensitive_ids.DOCTYPE, name, "read")
	return sensitive_ids.reveal(name)
