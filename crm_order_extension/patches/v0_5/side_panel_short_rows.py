import frappe
from frappe import _

from crm_order_extension.jobs import request_job
from crm_order_extension.orders.crm_layout import replace_old_rows

BATCH = 200


def execute():
	"""/crm's side panel cut the order summary line off after one line: the app's Orders section,
	where no admin changed it, shows one short fact per row instead (open orders, next ship date,
	unpaid, last shipment, latest status). A background job recomputes each stored history once, which
	fills the two new fields of its records, each line's delivered quantity and the per-order line
	digests (order changes write only what changed from then on)."""
	replace_old_rows()
	request_job(
		"crm_order_extension.patches.v0_5.side_panel_short_rows.backfill",
		key="v0_5_short_rows",
		queue="long",
		timeout=4 * 3600,
	)


def backfill() -> int:
	"""Every stored customer history recomputed and written once (forced: its records get the new
	fields even where nothing else changed), in batches committed one by one like the daily refresh
	(not an edit: `modified` stays; a failing customer is logged and skipped). Returns how many."""
	from crm_order_extension.orders.history import CUSTOMER_HISTORY, sync_customer_history
	from crm_order_extension.orders.sync import fresh_transaction
	from crm_order_extension.utils.guard import guarded

	fresh_transaction()
	last, done = "", 0
	while True:
		batch = frappe.get_all(
			CUSTOMER_HISTORY,
			filters={"customer": (">", last)},
			fields=["customer"],
			order_by="customer asc",
			limit=BATCH,
			pluck="customer",
		)
		if not batch:
			return done
		for customer in batch:
			with guarded(
				"crm_order_v0_5_backfill",
				title=_("Order history refresh failed for customer {0}").format(customer),
			):
				sync_customer_history(customer, force=True)
		done += len(batch)
		last = batch[-1]
		fresh_transaction()  # a background job's batch: progress survives a crash midway
