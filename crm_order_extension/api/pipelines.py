"""Order pipeline endpoints: the same moves Desk offers as buttons."""

import frappe
from frappe import _

from crm_order_extension.api.utils import JSONValue, check_permitted, client_error, required
from crm_order_extension.core import pipeline
from crm_order_extension.pipelines.common import PIPELINE_DOCTYPES


def _get(doctype, name, ptype: str):
	doctype = required(doctype, _("Document type"))
	if doctype not in PIPELINE_DOCTYPES:
		client_error(_("Pipelines exist for {0}, not for {1}").format(", ".join(PIPELINE_DOCTYPES), doctype))
	name = required(name, _("Name"))
	check_permitted(doctype, name, ptype)
	return frappe.get_doc(doctype, name)


@frappe.whitelist(methods=["GET", "POST"])
def next_states(doctype: JSONValue = None, name: JSONValue = None) -> list[str]:
	"""The statuses the current user may move this order to."""
	return list(_get(doctype, name, "read").next_states())


@frappe.whitelist(methods=["POST"])
def advance(doctype: JSONValue = None, name: JSONValue = None, to_status: JSONValue = None) -> dict:
	"""Move an order to `to_status`; illegal moves are refused with the legal ones named."""
	to_status = required(to_status, _("Target status"))
	doc = _get(doctype, name, "write")
	if to_status not in pipeline.STATES:
		client_error(_("Unknown status {0}").format(to_status))
	doc.status = to_status
	doc.save()
	return {"name": doc.name, "status": doc.status, "next_states": list(doc.next_states())}
