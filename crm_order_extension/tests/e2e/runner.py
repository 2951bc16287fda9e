"""Tier-3 runner: bring up the bench's processes for the site if they are not running, run the
`e2e_*` tests over HTTP, then remove what the run made and stop what it started."""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import frappe
import requests

from crm_order_extension.tests.e2e import context
from crm_order_extension.tests.e2e.harness import Harness

PROCESS_TIMEOUT = 90


def _env() -> dict:
	# Frappe's job runner treats CI=... as a test run (frappe.flags.in_test in every job): the
	# processes under test must behave as in production.
	env = dict(os.environ)
	env.pop("CI", None)
	return env


def _bench_processes(kind: str) -> list[int]:
	"""pids of this bench's `frappe worker` / `frappe schedule` processes."""
	sites = os.path.realpath(".")
	found = []
	for pid in filter(str.isdigit, os.listdir("/proc")):
		try:
			with open(f"/proc/{pid}/cmdline", "rb") as f:
				argv = f.read().decode(errors="replace").split("\0")
			cwd = os.path.realpath(f"/proc/{pid}/cwd")
		except OSError:
			continue
		if "frappe" in argv and kind in argv and cwd == sites:
			found.append(int(pid))
	return found


def _web_up(base_url: str, site: str) -> bool:
	try:
		response = requests.get(base_url + "/api/method/ping", headers={"Host": site}, timeout=5)
		return response.ok and response.json().get("message") == "pong"
	except (requests.RequestException, ValueError):
		return False


class Processes:
	def __init__(self, bench_bin: str, log_dir: str):
		self.bench_bin = bench_bin
		self.log_dir = log_dir
		self.started: list[subprocess.Popen] = []

	def start(
		self, name: str, *args: str, command: list[str] | None = None, env: dict | None = None
	) -> subprocess.Popen:
		log = open(os.path.join(self.log_dir, f"{name}.log"), "w")
		process = subprocess.Popen(
			command or [self.bench_bin, *args],
			cwd="..",
			env={**_env(), **(env or {})},
			stdout=log,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)
		self.started.append(process)
		print(f"tier 3: started {name} ({' '.join(command or args)}), pid {process.pid}", flush=True)
		return process

	def stop(self):
		for process in reversed(self.started):
			try:
				os.killpg(process.pid, signal.SIGTERM)
			except ProcessLookupError:
				continue
		for process in self.started:
			try:
				process.wait(timeout=20)
			except subprocess.TimeoutExpired:
				os.killpg(process.pid, signal.SIGKILL)
		self.started.clear()


def bring_up(processes: Processes, base_url: str, site: str, port: int):
	if not _web_up(base_url, site):
		# Not DEV_SERVER (as `bench start` sets it): Frappe's dev server answers every error with its
		# traceback, and the tests check the production answers. The tests reach socket.io directly.
		processes.start("web", "serve", "--port", str(port), "--noreload")
		deadline = time.monotonic() + PROCESS_TIMEOUT
		while not _web_up(base_url, site):
			if time.monotonic() > deadline:
				raise RuntimeError(f"web did not answer on {base_url} within {PROCESS_TIMEOUT}s")
			time.sleep(1)
	if not _bench_processes("worker"):
		processes.start("worker", "worker", "--queue", "short,default,long")
	if not _bench_processes("schedule"):
		processes.start("scheduler", "schedule")
	# Realtime events (live order history, SLA notices) reach pages through socket.io.
	port = int(frappe.get_conf().socketio_port or 9000)
	if not _listening(port):
		processes.start("socketio", command=["node", "apps/frappe/socketio.js"])
		deadline = time.monotonic() + PROCESS_TIMEOUT
		while not _listening(port):
			if time.monotonic() > deadline:
				raise RuntimeError(f"socket.io did not listen on {port} within {PROCESS_TIMEOUT}s")
			time.sleep(0.5)


def _listening(port: int) -> bool:
	import socket

	with socket.socket() as probe:
		probe.settimeout(1)
		return probe.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m crm_order_extension.tests.e2e")
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--port", type=int, default=int(os.environ.get("FRAPPE_E2E_PORT", 8000)))
	parser.add_argument("--bench-bin", default=os.environ.get("BENCH_BIN", "bench"))
	parser.add_argument("-k", dest="pattern", default=None, help="only tests whose id contains this")
	args = parser.parse_args(argv)

	base_url = f"http://127.0.0.1:{args.port}"
	run_id = os.urandom(4).hex()
	log_dir = tempfile.mkdtemp(prefix="coe-e2e-")
	processes = Processes(args.bench_bin, log_dir)
	harness = Harness(args.site, run_id)
	started_at = time.monotonic()
	harness.connect()
	try:
		harness.prepare_site()
		harness.make_users()
		bring_up(processes, base_url, args.site, args.port)
		harness.jobs_can_run = True
		context.setup(base_url=base_url, site=args.site, harness=harness)

		modules = sorted(
			f"{__package__}.{name[:-3]}"
			for name in os.listdir(os.path.dirname(__file__))
			if name.startswith("e2e_") and name.endswith(".py")
		)
		suite = unittest.TestLoader().loadTestsFromNames(modules)
		if args.pattern:
			suite = unittest.TestSuite(t for t in _flatten(suite) if args.pattern in t.id())
		result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
	finally:
		try:
			harness.remove(context.registry())
		finally:
			harness.restore_site()
			processes.stop()
			harness.close()
			print(f"tier 3: logs of the processes it started are in {log_dir}", flush=True)

	failed = len(result.failures) + len(result.errors)
	passed = result.testsRun - failed - len(result.skipped)
	print(f"tier 3 took {time.monotonic() - started_at:.0f}s")
	print(
		f"{passed} passed, {failed} failed" + (f", {len(result.skipped)} skipped" if result.skipped else "")
	)
	return 0 if failed == 0 and result.testsRun else 1


def _flatten(suite):
	for test in suite:
		if isinstance(test, unittest.TestSuite):
			yield from _flatten(test)
		else:
			yield test
