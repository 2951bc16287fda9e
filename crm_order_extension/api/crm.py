"""The CRM UI's (/crm) lead and deal loaders, without the fields the user may not read.

Older CRM releases (v1.52) load a page through their own get_lead and get_deal, which return the
whole document (`as_dict()`), while Desk, the REST API and `frappe.client.get` (what newer CRM
releases load pages with) drop the fields above the user's permission level, such as the stored
order summary. hooks.override_whitelisted_methods points those calls here: CRM's own function still
does the work and its permission check. A CRM without these functions gets a 404, never a 500.
The order history rows themselves are no field of the record at all (orders/history.py).
"""

import frappe
from frappe import _

from crm_order_extension.api.utils import JSONValue, required
from crm_order_extension.orders.permissions import strip_unreadable

CRM_GET_LEAD = "crm.fcrm.doctype.crm_lead.api.get_lead"
CRM_GET_DEAL = "crm.fcrm.doctype.crm_deal.api.get_deal"


def crm_loader(path: str):
	"""CRM's own loader at `path`, or None when the installed CRM has none (the one place that
	knows whether CRM loads pages through its own endpoint)."""
	try:
		return frappe.get_attr(path)
	except (ImportError, AttributeError):
		return None


def _load(doctype: str, path: str, name: str) -> dict:
	loader = crm_loader(path)
	if not loader:
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("{0} does not exist in the installed Frappe CRM: load the {1} with frappe.client.get").format(
				path, _(doctype)
			),
			frappe.DoesNotExistError,
		)
	return strip_unreadable(doctype, frappe.call(loader, name=name))


@frappe.whitelist()
def get_lead(name: JSONValue = None) -> dict:
	"""CRM's get_lead without the fields above the user's permission level."""
	return _load("CRM Lead", CRM_GET_LEAD, required(name, _("Lead")))


@frappe.whitelist()
def get_deal(name: JSONValue = None) -> dict:
	"""CRM's get_deal without the fields above the user's permission level."""
	return _load("CRM Deal", CRM_GET_DEAL, required(name, _("Deal")))
