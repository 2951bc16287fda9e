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


def run_benchmark(context, allow_non_test_site: bool, module: str, **options) -> None:
	"""Run `crm_order_extension.benchmarks.<module>.run(**options)` on the site. Benchmarks write and
	remove their own rows; on a site without allow_tests that is a risk the operator must accept
	explicitly."""
	import importlib

	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		if not frappe.conf.allow_tests and not allow_non_test_site:
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


commands = [crm_orders]
