"""What the pipeline modules share, in a leaf module (it imports none of them), so none has to
import another to get it: the pipeline DocTypes, the refusal of a broken rule, whether a Sales
Order is paid. tests/test_imports.py keeps the package free of import circles."""

import frappe
from frappe import _

from crm_order_extension.core import commission, pipeline
from crm_order_extension.core.errors import RuleError
from crm_order_extension.utils.messages import rule_message

PIPELINE_DOCTYPES = (pipeline.FORMATION_ORDER, pipeline.COMPLIANCE_SERVICE)


def throw_rule(err: RuleError):
	# A refused move or bad input is the user's to fix: a message, never a traceback.
	frappe.flags.disable_traceback = True
	frappe.throw(rule_message(err), frappe.ValidationError, title=_("Not allowed"))


ORDER_FIELDS = ["docstatus", "per_billed", "custom_order_type"]


def is_paid(sales_order: str, order: dict | None = None) -> bool:
	"""`order` is the Sales Order's ORDER_FIELDS when the caller has read them already."""
	order = order or frappe.db.get_value("Sales Order", sales_order, ORDER_FIELDS, as_dict=True)
	if not order or order.docstatus != 1:
		return False
	invoices = submitted_invoices([sales_order])
	return commission.is_order_paid(order.per_billed, invoices)


def submitted_invoices(sales_orders: list[str]) -> list[dict]:
	"""The submitted, non-return Sales Invoices with lines of these orders, once each (`name`,
	`outstanding_amount`), by Sales Invoice Item's sales_order index."""
	if not sales_orders:
		return []
	invoice, item = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Sales Invoice Item")
	return (
		frappe.qb.from_(invoice)
		.join(item)
		.on(item.parent == invoice.name)
		.select(invoice.name, invoice.outstanding_amount)
		.distinct()
		.where(
			item.sales_order.isin(sales_orders)
			& (item.parenttype == "Sales Invoice")
			& (invoice.docstatus == 1)
			& (invoice.is_return == 0)
		)
		.run(as_dict=True)
	)
