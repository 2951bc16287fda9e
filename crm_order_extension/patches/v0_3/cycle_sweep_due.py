import frappe


def execute():
	"""Breaches are now decided from the cycle log (sla/sweep.py): running cycles wait for their
	breach notice from here on. Cycles that already failed were announced by the old sweep."""
	row = frappe.qb.DocType("CRM SLA Cycle")
	(
		frappe.qb.update(row)
		.set(row.sweep_due, row.response_by)
		.where((row.outcome == "Running") & row.responded_on.isnull() & row.sweep_due.isnull())
		.run()
	)
