import frappe

from crm_order_extension.orders.bulk import request_sync_all
from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.history import HISTORY_FIELD


def execute():
	"""A customer's history is now stored once (Customer Order History) and its leads, deals and
	tickets read it; a record keeps rows of its own only for a deal's draft orders. The per-record
	copies go, set-based, and one background pass writes each customer's history once (records keep
	their summary fields meanwhile)."""
	for doctype, target in TARGETS.items():
		frappe.db.delete(target.child_doctype, {"parenttype": doctype, "parentfield": HISTORY_FIELD})
		table = frappe.qb.DocType(doctype)
		frappe.qb.update(table).set(table.custom_order_history_hash, None).run()
	request_sync_all(list(TARGETS))
