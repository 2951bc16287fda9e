import frappe

from crm_order_extension.jobs import request_job
from crm_order_extension.orders.crm_layout import replace_old_rows

BATCH = 500


def execute():
	"""/crm's side panel cut the order summary line off after one line: the app's Orders section,
	where no admin changed it, shows one short fact per row instead (open orders, next ship date,
	unpaid, last shipment, latest status). A background job fills the two new rows from each stored
	history (an order change would, but only for that customer)."""
	replace_old_rows()
	request_job(
		"crm_order_extension.patches.v0_5.side_panel_short_rows.backfill",
		key="v0_5_short_rows",
		queue="long",
		timeout=4 * 3600,
	)


def backfill() -> None:
	"""Unpaid and Last Shipment of every stored history and its records, from the billing and
	shipping the history already stores, in batches committed one by one (not an edit: `modified`
	stays)."""
	from crm_order_extension.jobs import running_inline
	from crm_order_extension.orders.customer import TARGETS
	from crm_order_extension.orders.history import CUSTOMER_HISTORY, stored_extra, summary_values

	last = ""
	while True:
		histories = frappe.get_all(
			CUSTOMER_HISTORY,
			filters={"name": (">", last), "history_hash": ("is", "set")},
			fields=["name", "customer", "fulfilment"],
			order_by="name asc",
			limit=BATCH,
		)
		if not histories:
			return
		for history in histories:
			values = summary_values([], stored_extra(history.fulfilment))
			unpaid, shipment = values["custom_order_unpaid"], values["custom_order_last_shipment"]
			frappe.db.set_value(
				CUSTOMER_HISTORY,
				history.name,
				{"order_unpaid": unpaid, "order_last_shipment": shipment},
				update_modified=False,
			)
			for doctype in TARGETS:
				table = frappe.qb.DocType(doctype)
				(
					frappe.qb.update(table)
					.set(table.custom_order_unpaid, unpaid)
					.set(table.custom_order_last_shipment, shipment)
					.where(table.custom_order_customer == history.customer)
					.run()
				)
		last = histories[-1].name
		if not running_inline():
			frappe.db.commit()  # a background job's batch, not a request
