"""A shop import as the worker runs it: frappe/ecommerce_integrations' Shopify connector creates and
submits the Sales Order inside a background job (its webhook handler), as Administrator."""

import frappe

from crm_order_extension.tests import fixtures as fx


def import_order(customer: str, lines: list, external_id: str) -> None:
	"""Job body: one submitted Sales Order for `customer` (lines: [item, qty, rate])."""
	fx.make_sales_order(customer, [tuple(line) for line in lines], custom_external_order_id=external_id)


def enqueue_import(customer: str, lines: list, external_id: str) -> None:
	"""Queue the import on the real worker, as the connector's webhook does."""
	frappe.db.rollback()
	frappe.enqueue(
		"crm_order_extension.tests.e2e.shop_import.import_order",
		queue="short",
		customer=customer,
		lines=lines,
		external_id=external_id,
	)
	frappe.db.commit()


def settle_invoice(invoice: str) -> None:
	"""Job body: a submitted Payment Entry settling the invoice (a payment gateway's webhook)."""
	fx.pay_invoice(frappe.get_doc("Sales Invoice", invoice))


def enqueue_payment(invoice: str) -> None:
	"""Queue the payment on the real worker, as a gateway's webhook handler does."""
	frappe.db.rollback()
	frappe.enqueue("crm_order_extension.tests.e2e.shop_import.settle_invoice", queue="short", invoice=invoice)
	frappe.db.commit()
