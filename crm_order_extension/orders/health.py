"""Which leads, deals and tickets show an order history that is missing or out of date."""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Max

from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.history import CUSTOMER_HISTORY, CUSTOMER_LINE, HISTORY_FIELD

NO_HISTORY = "No history"
STALE = "Stale"
NEVER_SYNCED = "Never synced"


def customer_order_changes(customers: list[str]) -> dict[str, dict]:
	"""Per customer: submitted order count and the newest change of its orders or Work Orders."""
	if not customers:
		return {}
	so = frappe.qb.DocType("Sales Order")
	wo = frappe.qb.DocType("Work Order")
	result = {c: {"orders": 0, "changed": None} for c in customers}
	for customer, changed in (
		frappe.qb.from_(so)
		.select(so.customer, Max(so.modified))
		.where(so.customer.isin(customers) & (so.docstatus > 0))
		.groupby(so.customer)
		.run()
	):
		result[customer]["changed"] = changed
	for customer, submitted in (
		frappe.qb.from_(so)
		.select(so.customer, Count(so.name))
		.where(so.customer.isin(customers) & (so.docstatus == 1))
		.groupby(so.customer)
		.run()
	):
		result[customer]["orders"] = submitted
	for customer, changed in (
		frappe.qb.from_(wo)
		.join(so)
		.on(wo.sales_order == so.name)
		.select(so.customer, Max(wo.modified))
		.where(so.customer.isin(customers) & (so.docstatus > 0))
		.groupby(so.customer)
		.run()
	):
		if changed and (not result[customer]["changed"] or changed > result[customer]["changed"]):
			result[customer]["changed"] = changed
	return result


def customer_histories(customers: list[str]) -> dict[str, dict]:
	"""Per customer: its stored history's line count and when it was last computed (one query)."""
	if not customers:
		return {}
	history = frappe.qb.DocType(CUSTOMER_HISTORY)
	line = frappe.qb.DocType(CUSTOMER_LINE)
	return {
		customer: {"lines": lines, "synced_on": synced_on}
		for customer, synced_on, lines in (
			frappe.qb.from_(history)
			.left_join(line)
			.on((line.parent == history.name) & (line.parenttype == CUSTOMER_HISTORY))
			.select(history.customer, history.synced_on, Count(line.name))
			.where(history.customer.isin(customers))
			.groupby(history.customer, history.synced_on)
			.run()
		)
	}


def unhealthy_records(doctypes: list[str] | None = None, limit: int = 500) -> list[dict]:
	"""Records never synced (every record is synced right after its insert: one that was not missed
	its job), records whose customer has submitted orders but no history, and records whose history
	is older than the customer's newest order change; of the `limit` records per DocType changed
	last. A fixed number of
	queries per DocType, whatever the count: nothing is resolved record by record."""
	rows = []
	for doctype in doctypes or list(TARGETS):
		target = TARGETS[doctype]
		records = frappe.get_all(
			doctype,
			fields=[
				"name",
				f"{target.title_field} as title",
				"custom_order_customer",
				"custom_orders_synced_on",
			],
			# `modified` is indexed (`creation` is not: ordering by it sorts the whole table); a sync
			# never moves it, so these are the records people touched last, new ones included.
			order_by="modified desc",
			limit=limit,
		)
		child = frappe.qb.DocType(target.child_doctype)
		own_lines = dict(
			frappe.qb.from_(child)
			.select(child.parent, Count(child.name))
			.where(
				(child.parenttype == doctype)
				& (child.parentfield == HISTORY_FIELD)
				& child.parent.isin([str(r.name) for r in records] or [""])
			)
			.groupby(child.parent)
			.run()
		)
		customers = sorted({r.custom_order_customer for r in records} - {None})
		histories = customer_histories(customers)
		changes = customer_order_changes(customers)
		for record in records:
			change = changes.get(record.custom_order_customer) or {"orders": 0, "changed": None}
			stored = histories.get(record.custom_order_customer) or {"lines": 0, "synced_on": None}
			# child `parent` is text; ticket names are ints
			lines = own_lines.get(str(record.name), 0) + stored["lines"]
			# The record shows its customer's stored history as it is now.
			synced_on = max(filter(None, (record.custom_orders_synced_on, stored["synced_on"])), default=None)
			if not record.custom_orders_synced_on:
				problem = NEVER_SYNCED
			elif not change["orders"]:
				continue
			elif not lines:
				problem = NO_HISTORY
			elif change["changed"] and change["changed"] > synced_on:
				problem = STALE
			else:
				continue
			rows.append(
				{
					"reference_doctype": doctype,
					"reference_name": record.name,
					"title": record.title,
					"customer": record.custom_order_customer,
					"submitted_orders": change["orders"],
					"history_lines": lines,
					"synced_on": synced_on,
					"last_order_change": change["changed"],
					"problem": _(problem),
				}
			)
	return rows


def count_unsynced(limit: int = 500) -> int:
	return len(unhealthy_records(limit=limit))
