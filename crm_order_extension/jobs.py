"""Background jobs that never lose a committed change.

RQ's (and `frappe.enqueue`'s) `deduplicate` skips a job while another with the same id is queued
*or running*; a running job may have read the database before the change that asked for it was
committed, so that change would never be seen. Here a request is dispatched after its transaction
commits, and it is dropped only when a job for the same key is still queued (not started): that
job reads after the commit. Otherwise a new job is queued. Every job is idempotent, so two
requests racing past the check cost one extra run, never a lost change.
"""

from functools import partial

import frappe
from frappe.utils.background_jobs import get_job

from crm_order_extension.core.jobs import needs_new_job

PENDING_TTL = 24 * 3600


def running_inline() -> bool:
	"""Tier-2 tests run the job body at once, in the test's transaction (`frappe.enqueue`'s inline
	mode goes through execute_job, which commits); a worker, even under CI, always queues."""
	return bool(frappe.flags.in_test) and not getattr(frappe.local, "job", None)


def _pending_key(key: str) -> str:
	return frappe.cache.make_key(f"crm_order_extension:pending_job:{key}")


def request_job(method: str, key: str, queue: str = "short", timeout: int | None = None, **kwargs) -> None:
	"""Run `method(**kwargs)` in a background job that starts after this transaction commits.

	`key` names the work (e.g. one customer's re-sync): requests with the same key while a job for
	it has not started yet are served by that job. A rollback drops the request."""
	if running_inline():
		frappe.get_attr(method)(**kwargs)
		return
	requested = frappe.flags.setdefault("crm_order_extension_jobs", set())
	if key in requested:
		return
	requested.add(key)
	frappe.db.after_commit.add(partial(_dispatch, method, key, queue, timeout, kwargs))
	frappe.db.after_rollback.add(partial(requested.discard, key))


def _dispatch(method: str, key: str, queue: str, timeout: int | None, kwargs: dict) -> None:
	frappe.flags.setdefault("crm_order_extension_jobs", set()).discard(key)
	pending = frappe.cache.get(_pending_key(key))
	job = get_job(pending.decode()) if pending else None
	if not needs_new_job(job.get_status(refresh=True) if job else None):
		return  # not started: it will read what was just committed
	job_id = f"crm_order_extension:{key}:{frappe.generate_hash(length=10)}"
	frappe.enqueue(method, queue=queue, timeout=timeout, job_id=job_id, **kwargs)
	frappe.cache.set(_pending_key(key), job_id, ex=PENDING_TTL)
