"""Billing, payment, shipping, tracking and returns of Sales Orders, and a customer's header, from
ERPNext's own documents in a fixed number of queries (issue 18); core/fulfilment.py decides."""

from collections import defaultdict

import frappe
from frappe.query_builder.functions import Count, Max, Sum

from crm_order_extension.core import fulfilment as rules

INVOICE_FIELDS = [
	"name",
	"status",
	"posting_date",
	"due_date",
	"grand_total",
	"outstanding_amount",
	"currency",
	"is_return",
]
DELIVERY_FIELDS = ["name", "posting_date", "status", "is_return", "transporter", "transporter_name", "lr_no"]
SHIPMENT_FIELDS = [
	"name",
	"carrier",
	"carrier_service",
	"awb_number",
	"shipment_id",
	"tracking_url",
	"tracking_status",
]


def _headers(doctype: str, names, fields: list[str], **filters) -> list[dict]:
	names = sorted(set(names))
	if not names:
		return []
	return frappe.get_all(doctype, filters={"name": ("in", names), **filters}, fields=fields)


def invoice_lines_query(order_names: list[str]):
	"""Per submitted invoice and order: its lines' quantity and amount summed, with the invoice's own
	fields; one row per invoice and order, not per line, by Sales Invoice Item's sales_order index."""
	item, invoice = frappe.qb.DocType("Sales Invoice Item"), frappe.qb.DocType("Sales Invoice")
	invoice_columns = [invoice[field] for field in INVOICE_FIELDS]
	return (
		frappe.qb.from_(item)
		.join(invoice)
		.on(invoice.name == item.parent)
		.select(item.parent, item.sales_order, Sum(item.qty).as_("qty"), Sum(item.amount).as_("amount"))
		.select(*invoice_columns)
		.where(
			(item.parenttype == "Sales Invoice") & item.sales_order.isin(order_names) & (item.docstatus == 1)
		)
		.groupby(item.parent, item.sales_order, *invoice_columns)
	)


def fulfilment_of(
	order_names: list[str], orders: list[dict] | None = None, order_lines: list[dict] | None = None
) -> dict[str, dict]:
	"""Per Sales Order: billed %, its invoices (status, outstanding, due date), deliveries (items,
	carrier, tracking number and link), returns (Credit Notes and return Delivery Notes), shipped
	state in all. Seven queries, whatever the number of orders and documents; five when
	the caller passes the orders (`currency`, `grand_total`, `per_billed`) and their lines it read."""
	order_names = sorted(set(filter(None, order_names)))
	if not order_names:
		return {}
	wanted = set(order_names)
	if orders is None:
		orders = frappe.get_all(
			"Sales Order",
			filters={"name": ("in", order_names)},
			fields=["name", "currency", "grand_total", "per_billed"],
		)
	if order_lines is None:
		order_lines = frappe.get_all(
			"Sales Order Item",
			filters={"parenttype": "Sales Order", "parent": ("in", order_names)},
			fields=["name", "parent", "item_code", "qty", "delivered_qty"],
			order_by="idx asc",
		)
	orders = [order for order in orders if order.name in wanted]
	invoice_lines = invoice_lines_query(order_names).run(as_dict=True)
	invoices = {line.parent: line for line in invoice_lines}
	delivery_lines = frappe.get_all(
		"Delivery Note Item",
		filters={"parenttype": "Delivery Note", "against_sales_order": ("in", order_names), "docstatus": 1},
		fields=["parent", "against_sales_order", "so_detail", "item_code", "qty", "amount"],
	)
	deliveries = {
		d.name: d
		for d in _headers("Delivery Note", (line.parent for line in delivery_lines), DELIVERY_FIELDS)
	}
	links = (
		frappe.get_all(
			"Shipment Delivery Note",
			filters={"parenttype": "Shipment", "delivery_note": ("in", list(deliveries))},
			fields=["parent", "delivery_note"],
		)
		if deliveries
		else []
	)
	shipments = {
		s.name: s
		for s in _headers("Shipment", (link.parent for link in links), SHIPMENT_FIELDS, docstatus=("<", 2))
	}
	shipment_of = {link.delivery_note: shipments[link.parent] for link in links if link.parent in shipments}

	by_order = defaultdict(lambda: ([], [], []))  # one pass over each list, not one per order
	for line in order_lines:
		by_order[line.parent][0].append(line)
	for line in invoice_lines:
		by_order[line.sales_order][1].append(line)
	for line in delivery_lines:
		by_order[line.against_sales_order][2].append(line)
	result = {}
	for order in orders:
		own_lines, own_invoice_lines, own_delivery_lines = by_order[order.name]
		result[order.name] = rules.order_fulfilment(
			order, own_lines, invoices, own_invoice_lines, deliveries, own_delivery_lines, shipment_of
		)
	return result


def customer_header(customer: str) -> dict:
	"""Orders count, last order date, lifetime billed and outstanding balance of a customer (two
	aggregate queries on ERPNext's customer indexes); open tickets and deals are counted when a page
	reads the history (they change without any order changing)."""
	so = frappe.qb.DocType("Sales Order")
	count, last = (
		frappe.qb.from_(so)
		.select(Count(so.name), Max(so.transaction_date))
		.where((so.customer == customer) & (so.docstatus == 1))
		.run()[0]
	)
	invoices = frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1},
		fields=[
			"currency",
			"is_return",
			"sum(grand_total) as grand_total",
			"sum(outstanding_amount) as outstanding_amount",
		],
		group_by="currency, is_return",
	)
	return rules.header(count, last, invoices)


def open_records(customer: str) -> dict:
	"""Open tickets and deals of the customer, by the indexed customer column."""
	closed_tickets = ("Resolved", "Closed")
	closed_deals = ("Won", "Lost")
	return {
		"open_tickets": frappe.db.count(
			"HD Ticket", {"custom_order_customer": customer, "status": ("not in", closed_tickets)}
		),
		"open_deals": frappe.db.count(
			"CRM Deal", {"custom_order_customer": customer, "status": ("not in", closed_deals)}
		),
	}
