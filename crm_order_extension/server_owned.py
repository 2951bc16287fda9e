"""Fields and tables of leads, deals and tickets that only the app's background work writes.

The order sync and the SLA sweep write them without touching `modified` (a sync is not an edit),
so a form opened before such a write still holds the old values, and Frappe's stale-save check
does not stop its save. On every save these fields and the cycle log take their stored values
instead (the cycle rows read with a lock, so a sweep claiming them waits for the save): a user's
save never undoes what the background work recorded, and never announces a breach twice.
"""

import frappe

ORDER_FIELDS = (
	"custom_order_customer",
	"custom_order_match_level",
	"custom_orders_synced_on",
	"custom_order_sync_message",
	"custom_order_history_hash",
	"custom_order_summary",
	"custom_open_orders",
	"custom_next_ship_date",
	"custom_late_lines",
	"custom_latest_order_status",
	"custom_order_unpaid",
	"custom_order_last_shipment",
)
SLA_FIELDS = (
	"custom_resolution_by",
	"custom_resolution_status",
	"custom_sla_at_risk_notified",
	"custom_sla_sweep_token",
)
CYCLE_TABLE = ("custom_sla_cycles", "CRM SLA Cycle")


def keep_stored_values(doc, method=None) -> None:
	"""validate of CRM Lead, CRM Deal and HD Ticket."""
	if doc.is_new() or doc.flags.crm_order_extension_writes:
		return
	fields = [f for f in (*ORDER_FIELDS, *SLA_FIELDS) if doc.meta.has_field(f)]
	stored = frappe.db.get_value(doc.doctype, doc.name, fields, as_dict=True) if fields else None
	for field, value in (stored or {}).items():
		doc.set(field, value)
	table_field, child = CYCLE_TABLE
	if doc.meta.has_field(table_field):
		row = frappe.qb.DocType(child)
		rows = (
			frappe.qb.from_(row)
			.select("*")
			.where(
				(row.parent == str(doc.name))
				& (row.parenttype == doc.doctype)
				& (row.parentfield == table_field)
			)
			.orderby(row.idx)
			.for_update()
			.run(as_dict=True)
		)
		doc.set(table_field, rows)
