from crm_order_extension.core.jobs import needs_new_job


def test_a_queued_job_serves_the_request():
	assert needs_new_job("queued") is False


def test_a_started_job_may_have_read_before_the_commit():
	assert needs_new_job("started") is True


def test_finished_failed_or_missing_jobs_need_a_new_run():
	for status in ("finished", "failed", "stopped", "canceled", "deferred", "scheduled", None):
		assert needs_new_job(status) is True, status
