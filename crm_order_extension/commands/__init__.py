"""bench commands: `bench --site SITE crm-orders sync-all|benchmark`."""

import logging
import sys

import click
from frappe.commands import get_site, pass_context

from crm_order_extension.core.bench_cli import bench_command, starts_worker

logger = logging.getLogger(__name__)


def preload_for_workers(argv: list[str]) -> bool:
	"""bench imports every app's commands before it runs one. A `bench worker` (or `worker-pool`)
	forks each job from this process, so what is loaded here is loaded in every job: warm the
	document renderer once. Other commands load nothing. Returns whether it preloaded.

	Only a head start (a job imports what it needs anyway), so a failure does not stop the worker:
	it is logged as a warning, with the reason, to the worker's log."""
	if not starts_worker(argv):
		return False
	try:
		from crm_order_extension.pipelines.documents import preload_renderer

		preload_renderer()
	except Exception as exc:
		logger.warning(
			"crm_order_extension: `bench %s` starts without the document renderer preloaded (%s: %s); "
			"each document job loads it itself",
			bench_command(argv),
			type(exc).__name__,
			exc,
			exc_info=True,
		)
		return False
	return True


preload_for_workers(sys.argv)


@click.group("crm-orders")
def crm_orders():
	"""Order history of CRM Leads, CRM Deals and HD Tickets."""


@crm_orders.command("sync-all")
@click.option(
	"--doctype",
	"doctypes",
	multiple=True,
	type=click.Choice(["CRM Lead", "CRM Deal", "HD Ticket"]),
	help="Only this DocType (repeatable). Default: all three.",
)
@click.option("--restart", is_flag=True, help="Ignore the checkpoint of an interrupted run.")
@pass_context
def sync_all(context, doctypes, restart):
	"""Re-sync the order history of every record; resumes an interrupted run."""
	import frappe

	from crm_order_extension.orders.bulk import sync_all as run

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		summary = run(list(doctypes) or None, restart=restart, publish=False)
		frappe.db.commit()
		click.echo(
			f"Synced {summary['synced']} records, {summary['ambiguous']} ambiguous, {summary['failed']} failed"
		)
	finally:
		frappe.destroy()


def run_benchmark(
	context, allow_non_test_site: bool, module: str, overridable: bool = True, **options
) -> None:
	"""Run `crm_order_extension.benchmarks.<module>.run(**options)` on the site. Benchmarks write and
	remove their own rows; on a site without allow_tests that is a risk the operator must accept
	explicitly (`overridable`), or one no operator may take (the scale benchmark's dataset)."""
	import importlib

	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		if not frappe.conf.allow_tests and not allow_non_test_site:
			if not overridable:
				raise click.ClickException(
					"this site does not have allow_tests set; this benchmark builds hundreds of "
					"thousands of rows of its own: run it on a dedicated test site."
				)
			raise click.ClickException(
				"this site does not have allow_tests set; benchmarks create and delete rows of their own. "
				"Use a test site, or pass --allow-non-test-site to run it here anyway."
			)
		importlib.import_module(f"crm_order_extension.benchmarks.{module}").run(**options)
	finally:
		frappe.destroy()


ALLOW_OPTION = click.option(
	"--allow-non-test-site",
	is_flag=True,
	help="Run on a site without allow_tests (the benchmark still touches only rows it creates).",
)


@crm_orders.command("benchmark")
@click.option("--orders", default=500, show_default=True, help="Submitted Sales Orders to create")
@click.option("--items", default=4, show_default=True, help="Lines per Sales Order")
@ALLOW_OPTION
@pass_context
def benchmark(context, orders, items, allow_non_test_site):
	"""Time order history sync against the naive per-row baseline (on data it makes and removes)."""
	run_benchmark(context, allow_non_test_site, "order_history", orders=orders, items=items)


@crm_orders.command("benchmark-sla")
@click.option("--leads", default=100_000, show_default=True, help="Leads with running SLA cycles")
@ALLOW_OPTION
@pass_context
def benchmark_sla(context, leads, allow_non_test_site):
	"""Time the 5-minute SLA sweep against naive sweeps, the business-hours clock and the hook."""
	run_benchmark(context, allow_non_test_site, "sla", leads=leads)


@crm_orders.command("benchmark-ticket-sla")
@click.option(
	"--tickets",
	default="5000,100000",
	show_default=True,
	help="Open HD Tickets to sweep, comma-separated sizes measured one after the other",
)
@ALLOW_OPTION
@pass_context
def benchmark_ticket_sla(context, tickets, allow_non_test_site):
	"""Time the ticket SLA sweep (claims, notices) against Helpdesk's own per-ticket SLA refresh."""
	try:
		sizes = [int(size) for size in str(tickets).split(",") if size.strip()]
	except ValueError:
		raise click.BadParameter(
			"a comma-separated list of whole numbers, e.g. 5000,100000", param_hint="--tickets"
		)
	if not sizes or min(sizes) < 100:
		raise click.BadParameter("each size must be at least 100 (1 % of them cross)", param_hint="--tickets")
	run_benchmark(context, allow_non_test_site, "ticket_sla", sizes=sizes)


@crm_orders.command("benchmark-documents")
@click.option("--orders", default=100, show_default=True, help="Formation Orders to generate documents for")
@ALLOW_OPTION
@pass_context
def benchmark_documents(context, orders, allow_non_test_site):
	"""Time document generation by the real worker (needs `bench worker` on the long queue)."""
	run_benchmark(context, allow_non_test_site, "documents", orders=orders)


@crm_orders.command("benchmark-scale")
@click.option(
	"--scale",
	default=1.0,
	show_default=True,
	type=click.FloatRange(0.0001, 1.0),
	help="Fraction of issue 17's dataset (50,000 customers, 300,000 leads, 500,000 tickets, "
	"300,000 orders, 1,000,000 lines ...)",
)
@click.option("--drop", is_flag=True, help="Remove the dataset afterwards (else it stays for the next run).")
@click.option("--rebuild", is_flag=True, help="Drop a dataset left by an earlier run and build it anew.")
@click.option("--no-measure", "no_measure", is_flag=True, help="Only build (or, with --drop, only drop).")
@click.option(
	"--budget",
	default=120,
	show_default=True,
	type=click.IntRange(1),
	help="Seconds a path may run before it is stopped and its full cost estimated",
)
@pass_context
def benchmark_scale(context, scale, drop, rebuild, no_measure, budget):
	"""Build a large shop's dataset with bulk SQL on a test site and time the app's paths on it
	(issue 17). Needs a site with allow_tests: it writes hundreds of thousands of rows."""
	run_benchmark(
		context,
		False,
		"scale",
		overridable=False,
		scale=scale,
		drop=drop,
		rebuild=rebuild,
		measure_paths=not no_measure,
		budget=budget,
	)


commands = [crm_orders]
