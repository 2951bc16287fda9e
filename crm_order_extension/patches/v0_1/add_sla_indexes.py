from crm_order_extension.sla.setup import ensure_indexes


def execute():
	"""Indexes for the 5-minute SLA sweep (also ensured after every migrate, since custom
	columns may only appear after this patch runs on a first migrate)."""
	ensure_indexes()
