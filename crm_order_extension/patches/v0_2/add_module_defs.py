from frappe.installer import add_module_defs


def execute():
	"""The SLA and the order pipelines moved into modules of their own ("CRM SLA", "Order
	Pipelines"): their DocTypes, reports and workspaces sync into them only once the Module Defs
	exist, and migrate creates Module Defs only on install."""
	add_module_defs("crm_order_extension", ignore_if_duplicate=True)
