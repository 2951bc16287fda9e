"""Tier 3: end-to-end tests over HTTP against the live bench processes (web, worker, scheduler).

Run by `./run-tests` where a bench exists, as the bench's owner, from the bench's `sites` folder:

	../env/bin/python -m crm_order_extension.tests.e2e --site test.localhost

The runner starts `bench serve`, `bench worker` and `bench schedule` when they are not running,
creates its own users and API keys, drives the app over HTTP as those users, waits for real queued
jobs, then removes everything it made and stops what it started. Test modules are named `e2e_*.py`
so `bench run-tests` (tier 2) never picks them up.
"""
