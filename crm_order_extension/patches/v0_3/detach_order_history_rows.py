import frappe

from crm_order_extension.orders.customer import TARGETS


def execute():
	"""Order history rows are server-owned: they keep pointing at their record, but the record's
	Table field goes, so a form save never rewrites or drops them (and a sync never changes the
	record's `modified`). An HTML field of the fixtures shows them on the Desk form instead."""
	for doctype in TARGETS:
		name = f"{doctype}-custom_order_history"
		if frappe.db.exists("Custom Field", name):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
