from crm_order_extension.core.bench_cli import bench_command, starts_worker

HELPER = "/bench/apps/frappe/frappe/utils/bench_helper.py"


def test_the_command_follows_frappe_and_its_group_options():
	assert bench_command([HELPER, "frappe", "worker", "--queue", "long"]) == "worker"
	assert bench_command([HELPER, "frappe", "--site", "a.localhost", "worker-pool"]) == "worker-pool"
	assert bench_command([HELPER, "frappe", "--site=a.localhost", "--verbose", "migrate"]) == "migrate"
	assert bench_command([HELPER, "frappe", "--profile", "--force", "serve", "--port", "8000"]) == "serve"


def test_a_site_named_like_a_command_is_no_command():
	assert bench_command([HELPER, "frappe", "--site", "worker", "migrate"]) == "migrate"
	assert not starts_worker([HELPER, "frappe", "--site", "worker", "migrate"])


def test_no_command():
	assert bench_command([HELPER, "frappe"]) is None
	assert bench_command([HELPER, "frappe", "--site", "a.localhost"]) is None
	assert bench_command([]) is None


def test_workers_preload_other_commands_do_not():
	assert starts_worker([HELPER, "frappe", "worker", "--queue", "long"])
	assert starts_worker([HELPER, "frappe", "--site", "all", "worker-pool", "--num-workers", "2"])
	assert not starts_worker([HELPER, "frappe", "--site", "a.localhost", "migrate"])
	assert not starts_worker([HELPER, "frappe", "crm-orders", "sync-all"])
