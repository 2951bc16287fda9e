"""The CRM UI's (/crm) lead and deal loaders, without the fields the user may not read.

CRM's get_lead and get_deal return the whole document (`as_dict()`), while Desk and the REST API
drop the fields above the user's permission level; the stored order history is such a field.
hooks.override_whitelisted_methods points /crm's calls here; CRM's own function still does the
work and its permission check.
"""

import frappe
from frappe import _

from crm_order_extension.api.utils import JSONValue, required
from crm_order_extension.orders.permissions import strip_unreadable

CRM_GET_LEAD = "crm.fcrm.doctype.crm_lead.api.get_lead"
CRM_GET_DEAL = "crm.fcrm.doctype.crm_deal.api.get_deal"


@frappe.whitelist()
def get_lead(name: JSONValue = None) -> dict:
	"""CRM's get_lead without the fields above the user's permission level."""
	return strip_unreadable("CRM Lead", frappe.call(CRM_GET_LEAD, name=required(name, _("Lead"))))


@frappe.whitelist()
def get_deal(name: JSONValue = None) -> dict:
	"""CRM's get_deal without the fields above the user's permission level."""
	return strip_unreadable("CRM Deal", frappe.call(CRM_GET_DEAL, name=required(name, _("Deal"))))
