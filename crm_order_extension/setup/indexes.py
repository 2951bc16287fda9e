"""Indexes the app's event paths look up, declared where Frappe's schema sync keeps them.

Custom fields carry `search_index` in fixtures/custom_field.json; other apps' fields get it through
Property Setters in fixtures/property_setter.json (e.g. HD Ticket.raised_by, Contact Email.email_id,
Work Order.sales_order). Frappe imports fixtures after the schema sync of a migrate, so the tables
are synced once more here: an index added only by hand would be dropped by the next schema sync of
its DocType; one declared in the meta is added by it and kept.
"""

import frappe

MODULE = "CRM Order Extension"
OWN_FIELDS_ON = ("CRM Lead", "CRM Deal", "HD Ticket")


def declared_doctypes() -> list[str]:
	others = frappe.get_all(
		"Property Setter",
		filters={"module": MODULE, "property": "search_index"},
		pluck="doc_type",
		distinct=True,
	)
	return sorted(set(others) | set(OWN_FIELDS_ON))


def ensure_declared_indexes() -> None:
	"""after_install / after_migrate: sync the tables whose declared indexes may be missing (adds
	only what is missing; commits, as Frappe's schema sync does)."""
	for doctype in declared_doctypes():
		if frappe.db.exists("DocType", doctype):
			frappe.clear_cache(doctype=doctype)
			frappe.db.updatedb(doctype)
