"""CRM Deal endpoints: re-create the Sales Order of a won deal (the /crm *Create Sales Order* action)."""

import frappe
from frappe import _
from frappe.utils import get_link_to_form

from crm_order_extension import compat
from crm_order_extension.api.utils import JSONValue, check_permitted, client_error, required
from crm_order_extension.core.errors import RuleError
from crm_order_extension.orders import deal_won
from crm_order_extension.orders.permissions import deny
from crm_order_extension.utils.messages import rule_message


@frappe.whitelist(methods=["POST"])
def recreate_sales_order(deal: JSONValue = None) -> dict:
	"""Create a new draft Sales Order for a won CRM Deal (`deal`: its name) whose orders are all
	cancelled, or that never got one; refused while an order that is not cancelled exists."""
	deal = required(deal, _("Deal"))
	check_permitted("CRM Deal", deal, "write")
	if not frappe.has_permission("Sales Order", "create"):
		deny(_("You are not permitted to create Sales Orders: a Sales User must create it"))
	try:
		name = deal_won.recreate(deal)
	except RuleError as err:
		client_error(rule_message(err), frappe.ValidationError)
	return {
		"sales_order": name,
		"message": _("Draft Sales Order {0} created for deal {1}").format(name, deal),
		"link": get_link_to_form("Sales Order", name),
	}


@frappe.whitelist(methods=["GET", "POST"])
def get_deal_quotations(deal: JSONValue = None) -> dict:
	"""The quotations of a CRM Deal (`deal`: its name): made by CRM's *Create Quotation* for it or
	in ERPNext for its customer; state (Open, Ordered, Lost, Expired, Draft), valid till, grand
	total and link. `permitted` is false for a user who may not read quotations."""
	from crm_order_extension.orders import deal_quotes

	deal = required(deal, _("Deal"))
	check_permitted("CRM Deal", deal)
	return deal_quotes.quotations(deal)


@frappe.whitelist(methods=["GET", "POST"])
def get_deal_stock(deal: JSONValue = None) -> dict:
	"""Stock of each product line of a CRM Deal (`deal`: its name) at the deal order company:
	available and projected quantity over its warehouses and the earliest ship date."""
	from crm_order_extension.orders import deal_quotes

	deal = required(deal, _("Deal"))
	check_permitted("CRM Deal", deal)
	lines = deal_won.product_rows(frappe.get_doc("CRM Deal", deal)) if compat.deal_has_products() else []
	try:
		return deal_quotes.stock(lines, deal_won.order_company())
	except RuleError as err:
		client_error(rule_message(err), frappe.ValidationError)
