"""When a background job must be queued again (crm_order_extension.jobs applies it after commit)."""

QUEUED = "queued"


def needs_new_job(pending_status: str | None) -> bool:
	"""A change just committed is seen by a job that has not started yet; a job in any other state
	(started, finished, failed, gone) may have read before that commit, so another run is needed."""
	return pending_status != QUEUED
