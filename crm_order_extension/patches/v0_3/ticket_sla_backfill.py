import frappe

TICKET = "HD Ticket"
FIELD = "custom_response_breach_due"


def execute():
	"""Tickets opened before the ticket SLA notices existed get their at-risk points and pending
	notices for the targets still ahead (targets.rearm_open_tickets; a target already passed at
	install is not announced). Re-running recomputes the same values and never re-arms a warning
	already sent."""
	if not frappe.db.table_exists(TICKET):
		return  # Helpdesk is not installed
	if not frappe.db.has_column(TICKET, FIELD):
		# A custom field of the app's fixtures, which migrate imports only after the post-model-sync
		# patches: import them now, or this one would find no column and never run again.
		from frappe.utils.fixtures import sync_fixtures

		sync_fixtures("crm_order_extension")
		if not frappe.db.has_column(TICKET, FIELD):
			return
	from crm_order_extension.ticket_sla.targets import rearm_open_tickets

	rearm_open_tickets()
