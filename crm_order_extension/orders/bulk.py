"""Re-sync every lead, deal and ticket: resumable (a checkpoint per DocType) and safe to re-run
(each record's sync is idempotent)."""

import frappe
from frappe import _
from frappe.utils import getdate

from crm_order_extension.jobs import request_job, running_inline
from crm_order_extension.orders.customer import TARGETS
from crm_order_extension.orders.history import CUSTOMER_HISTORY, sync_customer_history, sync_record
from crm_order_extension.utils.guard import guarded

BATCH_SIZE = 200


def checkpoint_key(doctype: str) -> str:
	return f"crm_order_extension:sync_all:{doctype}"


def sync_all(
	doctypes: list[str] | None = None,
	restart: bool = False,
	publish: bool = True,
	commit: bool = True,
	resumable: bool = True,
	filters: dict | None = None,
) -> dict:
	"""Sync every record of `doctypes` (default: lead, deal, ticket) in name order, committing per
	batch and remembering the last name done, so an interrupted run continues where it stopped.

	`commit=False` keeps the caller's transaction (tests); `resumable=False` neither reads nor
	writes the checkpoint (a queued pass always covers every record)."""
	doctypes = doctypes or list(TARGETS)
	summary = {"synced": 0, "ambiguous": 0, "failed": 0}
	for doctype in doctypes:
		if doctype not in TARGETS:
			frappe.throw(_("Order history is not available for {0}").format(_(doctype)))
		if restart and resumable:
			frappe.cache.delete_value(checkpoint_key(doctype))
		after = (frappe.cache.get_value(checkpoint_key(doctype)) if resumable else None) or ""
		total = frappe.db.count(doctype, {**(filters or {}), **({"name": (">", after)} if after else {})})
		done = 0
		while True:
			names = frappe.get_all(
				doctype,
				filters={**(filters or {}), "name": (">", after)},
				pluck="name",
				order_by="name asc",
				limit=BATCH_SIZE,
			)
			if not names:
				break
			histories = {}  # each customer's history computed once per batch
			for name in names:
				title = _("Order history sync failed for {0} {1}").format(_(doctype), name)
				with guarded("crm_order_sync_record", title=title) as guard:
					result = sync_record(doctype, name, histories=histories)
					summary["synced" if result["success"] else "ambiguous"] += 1
				if guard.failed:
					summary["failed"] += 1
			after = names[-1]
			done += len(names)
			if commit:
				frappe.db.commit()  # background job / CLI: one transaction per batch keeps progress
			if resumable:
				frappe.cache.set_value(checkpoint_key(doctype), after, expires_in_sec=7 * 24 * 3600)
			if publish:
				frappe.publish_progress(
					min(done * 100 / (total or 1), 100),
					title=_("Syncing order history"),
					description=_("{0}: {1} of {2}").format(_(doctype), done, total),
				)
		if resumable:
			frappe.cache.delete_value(checkpoint_key(doctype))
	return summary


def request_sync_all(doctypes: list[str]) -> str:
	"""Queue a full pass after commit. A pass already running may have passed records changed since,
	so a request made meanwhile queues another pass (crm_order_extension.jobs)."""
	key = "sync_all:" + ",".join(sorted(doctypes))
	request_job(
		"crm_order_extension.orders.bulk.sync_all_job",
		key=key,
		queue="long",
		timeout=4 * 3600,
		doctypes=doctypes,
	)
	return key


def sync_all_job(doctypes: list[str] | None = None):
	"""A queued pass covers every record; the bench command is the resumable path."""
	summary = sync_all(doctypes, publish=True, commit=not running_inline(), resumable=False)
	frappe.publish_realtime(
		"crm_order_extension_sync_all_done",
		{"doctypes": doctypes or list(TARGETS), **summary},
		user=frappe.session.user,
	)
	return summary


def histories_due(day):
	"""Customers whose history the calendar changes by `day`, by the `calendar_due` index (a plain
	`<=` filter: frappe.get_all would wrap the column in IFNULL and scan)."""
	history = frappe.qb.DocType(CUSTOMER_HISTORY)
	return (
		frappe.qb.from_(history)
		.select(history.customer)
		.where(history.calendar_due.isnotnull() & (history.calendar_due <= day))
		.orderby(history.calendar_due)
	)


def refresh_open_histories(commit: bool = True) -> int:
	"""Daily job: expected ship dates move with the calendar (a Work Order not started by its
	planned start slips a day each day, an order passes its delivery date). Each customer's history
	stores the first day on which the calendar alone changes it (`calendar_due`, indexed): only
	those histories are recomputed, each once, and their records updated set-based. Returns how
	many were due."""
	from crm_order_extension.orders.sync import fresh_transaction

	if commit:
		fresh_transaction()
	due = [customer for (customer,) in histories_due(getdate()).run()]
	for start in range(0, len(due), BATCH_SIZE):
		for customer in due[start : start + BATCH_SIZE]:
			title = _("Order history refresh failed for customer {0}").format(customer)
			with guarded("crm_order_refresh_customer", title=title):
				sync_customer_history(customer)
		if commit:
			fresh_transaction()  # background job: progress survives a crash midway
	return len(due)
