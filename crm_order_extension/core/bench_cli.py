"""Which bench command a process runs, read from its argv (commands/__init__.py preloads for workers).

bench runs Frappe's commands as `python -m frappe.utils.bench_helper frappe [--site SITE] [--verbose]
COMMAND ...`: the command is the first argument after "frappe" that is not an option of Frappe's
command group (of those only `--site` takes a value).
"""

GROUP_OPTIONS_WITH_VALUE = frozenset({"--site"})
WORKER_COMMANDS = frozenset({"worker", "worker-pool"})


def bench_command(argv: list[str]) -> str | None:
	"""The Frappe command in `argv` (sys.argv of a bench_helper process), or None."""
	args = list(argv[1:])
	if "frappe" in args:
		args = args[args.index("frappe") + 1 :]
	skip_value = False
	for arg in args:
		if skip_value:
			skip_value = False
		elif arg in GROUP_OPTIONS_WITH_VALUE:
			skip_value = True
		elif not arg.startswith("-"):
			return arg
	return None


def starts_worker(argv: list[str]) -> bool:
	"""`bench worker` or `bench worker-pool`: RQ forks every job from this process."""
	return bench_command(argv) in WORKER_COMMANDS
