import frappe


def execute():
	"""Ledger entries made before referral partners existed belong to their Sales Agent: fill the
	party type and name where missing (set-based; re-running changes nothing)."""
	if not frappe.db.has_column("Commission Ledger", "party_name"):
		return
	ledger = frappe.qb.DocType("Commission Ledger")
	frappe.qb.update(ledger).set(ledger.party_type, "Sales Agent").where(
		ledger.party_type.isnull() | (ledger.party_type == "")
	).run()
	frappe.qb.update(ledger).set(ledger.party_name, ledger.agent_name).where(
		(ledger.party_type == "Sales Agent") & ledger.party_name.isnull() & ledger.agent_name.isnotnull()
	).run()
