"""Re-sync every lead, deal and ticket: resumable (a checkpoint per DocType) and safe to re-run
(each record's sync is idempotent)."""

import frappe
from frappe import _

from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.history import sync_record

BATCH_SIZE = 200


def checkpoint_key(doctype: str) -> str:
	return f"crm_order_extension:sync_all:{doctype}"


def sync_all(doctypes: list[str] | None = None, restart: bool = False, publish: bool = True) -> dict:
	"""Sync every record of `doctypes` (default: lead, deal, ticket) in name order, committing per
	batch and remembering the last name done, so an interrupted run continues where it stopped."""
	doctypes = doctypes or list(TARGETS)
	summary = {"synced": 0, "ambiguous": 0, "failed": 0}
	for doctype in doctypes:
		if doctype not in TARGETS:
			frappe.throw(_("Order history is not available for {0}").format(_(doctype)))
		if restart:
			frappe.cache.delete_value(checkpoint_key(doctype))
		after = frappe.cache.get_value(checkpoint_key(doctype)) or ""
		filters = {"name": (">", after)} if after else {}
		total = frappe.db.count(doctype, filters)
		done = 0
		while True:
			names = frappe.get_all(
				doctype, filters={"name": (">", after)}, pluck="name", order_by="name asc", limit=BATCH_SIZE
			)
			if not names:
				break
			for name in names:
				frappe.db.savepoint("crm_order_sync_record")
				try:
					result = sync_record(doctype, name)
					summary["synced" if result["success"] else "ambiguous"] += 1
				except Exception:
					frappe.db.rollback(save_point="crm_order_sync_record")
					summary["failed"] += 1
					frappe.log_error(
						title=_("Order history sync failed for {0} {1}").format(_(doctype), name)
					)
			after = names[-1]
			done += len(names)
			frappe.db.commit()  # background job / CLI: one transaction per batch keeps progress
			frappe.cache.set_value(checkpoint_key(doctype), after, expires_in_sec=7 * 24 * 3600)
			if publish:
				frappe.publish_progress(
					min(done * 100 / (total or 1), 100),
					title=_("Syncing order history"),
					description=_("{0}: {1} of {2}").format(_(doctype), done, total),
				)
		frappe.cache.delete_value(checkpoint_key(doctype))
	return summary


def sync_all_job(doctypes: list[str] | None = None, restart: bool = False):
	summary = sync_all(doctypes, restart=restart)
	frappe.publish_realtime(
		"crm_order_extension_sync_all_done",
		{"doctypes": doctypes or list(TARGETS), **summary},
		user=frappe.session.user,
	)
	return summary
