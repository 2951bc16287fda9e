"""Automatic re-sync: Sales Order and Work Order events queue background jobs after commit, one
per customer and then one per record (crm_order_extension.jobs: a change committed while a job
runs is followed by another run), so Shopify/Etsy imports and manual edits alike keep histories
current."""

import frappe

from crm_order_extension.core.production import WORK_ORDER_FIELDS
from crm_order_extension.jobs import request_job
from crm_order_extension.orders.customer import records_of_customer
from crm_order_extension.orders.history import settings, sync_record

# Work Order fields whose change alters a history row.
WORK_ORDER_TRIGGER_FIELDS = (
	"docstatus",
	"status",
	"sales_order",
	"production_item",
	*WORK_ORDER_FIELDS.values(),
)


def auto_sync_enabled() -> bool:
	return bool(settings().auto_sync)


def schedule_customers(customers) -> None:
	if not auto_sync_enabled():
		return
	for customer in sorted(set(filter(None, customers))):
		request_job(
			"crm_order_extension.orders.sync.sync_customer", key=f"customer:{customer}", customer=customer
		)


def sync_customer(customer: str) -> None:
	"""Background job: queue a re-sync of every record that may belong to `customer`."""
	for doctype, name in records_of_customer(customer):
		request_job(
			"crm_order_extension.orders.sync.sync_record_job",
			key=f"record:{doctype}:{name}",
			doctype=doctype,
			name=name,
		)


def sync_record_job(doctype: str, name: str) -> None:
	if not frappe.db.exists(doctype, name):
		return
	sync_record(doctype, name)


def customers_of_orders(order_names: list[str]) -> set[str]:
	"""Customers of `order_names` and, up the inter-company chain, the end customers whose orders
	these produce (producing SO -> inter-company PO -> customer SO)."""
	customers, frontier, seen = set(), set(filter(None, order_names)), set()
	for _depth in range(3):
		frontier -= seen
		if not frontier:
			break
		seen |= frontier
		orders = frappe.get_all(
			"Sales Order",
			filters={"name": ("in", list(frontier))},
			fields=["customer", "inter_company_order_reference"],
		)
		customers.update(o.customer for o in orders)
		purchase_orders = [o.inter_company_order_reference for o in orders if o.inter_company_order_reference]
		frontier = set(
			frappe.get_all(
				"Purchase Order Item",
				filters={"parent": ("in", purchase_orders), "sales_order": ("is", "set")},
				pluck="sales_order",
			)
			if purchase_orders
			else []
		)
	return customers


def on_sales_order_change(doc, method=None):
	"""Sales Order on_change: submit, cancel and every status change after submit."""
	if doc.docstatus == 0:
		return
	customers = {doc.customer}
	if doc.get("inter_company_order_reference"):
		customers |= customers_of_orders([doc.name])
	schedule_customers(customers)


def on_work_order_change(doc, method=None):
	"""Work Order on_change/on_trash: stage fields, status or links changed."""
	if not doc.get("sales_order"):
		return
	before = doc.get_doc_before_save()
	if (
		method != "on_trash"
		and before
		and not any(before.get(f) != doc.get(f) for f in WORK_ORDER_TRIGGER_FIELDS)
	):
		return
	orders = {doc.sales_order}
	if before and before.get("sales_order"):
		orders.add(before.sales_order)
	schedule_customers(customers_of_orders(sorted(orders)))
