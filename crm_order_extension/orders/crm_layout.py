"""The order summary in /crm's side panel of leads and deals (CRM Fields Layout "Side Panel").

Added on the first install only (setup.defaults.run_once): an admin who moves the fields or the
section in CRM's layout editor keeps that arrangement, and one who removes them keeps them away.
Uninstall takes the fields out again, since CRM would otherwise ask for fields that no longer
exist."""

import json

import frappe

SECTION_NAME = "coe_orders_section"
# One short fact per row: CRM shows a read-only value on one line of fixed height, so the long
# summary line (the history dialog, Desk and /helpdesk show it) would be cut off here.
FIELDS = (
	"custom_open_orders",
	"custom_next_ship_date",
	"custom_order_unpaid",
	"custom_order_last_shipment",
	"custom_latest_order_status",
)
# What the section held before (patches/v0_5/side_panel_short_rows.py).
OLD_FIELDS = ("custom_order_summary", "custom_latest_order_status", "custom_next_ship_date")
DOCTYPES = ("CRM Lead", "CRM Deal")


def _layouts():
	for doctype in DOCTYPES:
		name = frappe.db.get_value("CRM Fields Layout", {"dt": doctype, "type": "Side Panel"})
		if name:
			yield frappe.get_doc("CRM Fields Layout", name)


def _sections(layout: list) -> list:
	"""Sections of a layout, whether CRM stores it as sections or as tabs of sections (later
	versions)."""
	if layout and isinstance(layout[0], dict) and "sections" in layout[0]:
		return [section for tab in layout for section in tab.get("sections") or []]
	return layout


def add_to_side_panels() -> None:
	for doc in _layouts():
		layout = json.loads(doc.layout or "[]")
		placed = {f for s in _sections(layout) for c in s.get("columns") or [] for f in c.get("fields") or []}
		if placed & set(FIELDS):
			continue
		section = {
			"label": "Orders",
			"name": SECTION_NAME,
			"opened": True,
			"columns": [{"name": "coe_orders_column", "fields": list(FIELDS)}],
		}
		target = layout[0]["sections"] if layout and "sections" in (layout[0] or {}) else layout
		# Right after the first section (contacts or details), where agents look first.
		target.insert(min(1, len(target)), section)
		doc.layout = json.dumps(layout)
		doc.flags.ignore_permissions = True
		doc.save()


def remove_from_side_panels() -> None:
	for doc in _layouts():
		layout = json.loads(doc.layout or "[]")
		changed = False
		for section in _sections(layout):
			for column in section.get("columns") or []:
				kept = [f for f in column.get("fields") or [] if f not in {*FIELDS, *OLD_FIELDS}]
				if kept != (column.get("fields") or []):
					column["fields"], changed = kept, True
		holders = (
			[tab["sections"] for tab in layout if "sections" in tab]
			if _sections(layout) is not layout
			else [layout]
		)
		for sections in holders:
			for section in [s for s in sections if s.get("name") == SECTION_NAME]:
				if not any(c.get("fields") for c in section.get("columns") or []):
					sections.remove(section)
					changed = True
		if changed:
			doc.layout = json.dumps(layout)
			doc.flags.ignore_permissions = True
			doc.save()


def replace_old_rows() -> None:
	"""The app's Orders section as first installed (the summary line, cut off in the side panel)
	gets the short rows; a section an admin changed in CRM's layout editor is left as it is."""
	for doc in _layouts():
		layout = json.loads(doc.layout or "[]")
		changed = False
		for section in _sections(layout):
			if section.get("name") != SECTION_NAME:
				continue
			columns = section.get("columns") or []
			if len(columns) == 1 and list(columns[0].get("fields") or []) == list(OLD_FIELDS):
				columns[0]["fields"], changed = list(FIELDS), True
		if changed:
			doc.layout = json.dumps(layout)
			doc.flags.ignore_permissions = True
			doc.save()
