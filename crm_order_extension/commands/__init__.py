"""bench commands: `bench --site SITE crm-orders sync-all|benchmark`."""

import click
from frappe.commands import get_site, pass_context


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


@crm_orders.command("benchmark")
@click.option("--orders", default=500, show_default=True, help="Submitted Sales Orders to create")
@click.option("--items", default=4, show_default=True, help="Lines per Sales Order")
@pass_context
def benchmark(context, orders, items):
	"""Time order history sync against the naive per-row baseline (creates benchmark data once)."""
	import frappe

	from crm_order_extension.benchmarks.order_history import run

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		run(orders=orders, items=items)
	finally:
		frappe.destroy()


@crm_orders.command("benchmark-sla")
@click.option("--leads", default=100_000, show_default=True, help="Leads with running SLA cycles")
@pass_context
def benchmark_sla(context, leads):
	"""Time the 5-minute SLA sweep against naive sweeps, the business-hours clock and the hook."""
	import frappe

	from crm_order_extension.benchmarks.sla import run

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		run(leads=leads)
	finally:
		frappe.destroy()


commands = [crm_orders]
