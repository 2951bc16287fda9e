"""What the test suite must leave as it found it: scheduled jobs, settings, roles, permissions and
record counts. `./run-tests` saves a snapshot before tiers 2 and 3 and compares after them:

	bench --site SITE execute crm_order_extension.tests.site_state.save --args "['/tmp/before.json']"
	bench --site SITE execute crm_order_extension.tests.site_state.compare --args "['/tmp/before.json']"

Shared test master data (companies, items, BOMs, like ERPNext's test records) is made before the
first snapshot, so it is part of the site the suite starts from.
"""

import json

import frappe

SETTINGS = (
	"CRM Order Extension Settings",
	"FCRM Settings",
	"HD Settings",
	"System Settings",
	"Selling Settings",
	"Accounts Settings",
)

COUNTED = (
	"CRM Lead",
	"CRM Deal",
	"HD Ticket",
	"Contact",
	"Customer",
	"User",
	"Sales Order",
	"Sales Invoice",
	"Payment Entry",
	"Work Order",
	"Communication",
	"Formation Order",
	"Compliance Service",
	"Compliance Calendar",
	"Commission Ledger",
	"Sales Agent",
	"Notification Log",
	"CRM Notification",
	"HD Notification",
	"HD Service Level Agreement",
	"Email Queue",
	"Data Import",
	"File",
	"User Permission",
	"Sensitive ID",
	"Referral Partner",
	"Access Log",
	"Document Template",
	"Email Template",
	"Fiscal Year",
	"Sensitive Document",
)

# Notices point at the record they are about. One about a record the site had before the snapshot
# is the app at work on the site's own data while tier 3 runs the real scheduler (e.g. CRM's demo
# leads crossing their SLA targets in the meantime), not something the suite left behind: such rows
# are reported, not counted. Notices about the suite's own records still count.
NOTICE_REFERENCES = {
	"Notification Log": ("document_type", "document_name"),
	"CRM Notification": ("reference_doctype", "reference_name"),
	"Email Queue": ("reference_doctype", "reference_name"),
	"HD Notification": (None, "reference_ticket"),
}

# Errors of this app (other apps' scheduled jobs may log theirs while tier 3 runs the scheduler,
# e.g. Helpdesk's search index on a Redis without RediSearch).
APP_ERRORS = [["Error Log", "error", "like", "%crm_order_extension%"]]


def _rows(doctype: str, fields: list[str], filters=None) -> list:
	return sorted(
		tuple(str(v) for v in row)
		for row in frappe.get_all(doctype, filters=filters, fields=fields, as_list=1)
	)


def snapshot() -> dict:
	singles = frappe.qb.Table("tabSingles")
	settings = (
		frappe.qb.from_(singles)
		.select(singles.doctype, singles.field, singles.value)
		.where(singles.doctype.isin(SETTINGS) & (singles.field != "modified"))
		.run()
	)
	# A setting stored as NULL reads as one never stored (get_single_value gives None for both).
	settings = [row for row in settings if row[2] is not None]
	return {
		"scheduled_jobs": _rows(
			"Scheduled Job Type", ["method", "frequency", "cron_format", "stopped", "server_script"]
		),
		"settings": sorted([list(map(str, row)) for row in settings]),
		"roles": _rows("Role", ["name", "disabled", "desk_access"]),
		"custom_docperms": _rows(
			"Custom DocPerm", ["parent", "role", "permlevel", "read", "write", "create", "delete", "if_owner"]
		),
		"has_roles": _rows("Has Role", ["parent", "role"], {"parenttype": "User"}),
		"slas": _rows("CRM Service Level Agreement", ["name", "enabled", "default", "condition"]),
		"counts": {
			doctype: frappe.db.count(doctype) for doctype in COUNTED if frappe.db.table_exists(doctype)
		},
		"taken_at": str(frappe.utils.now_datetime()),
	}


def notices_about_older_records(taken_at: str) -> dict[str, int]:
	"""Per notice DocType: rows made since `taken_at` about records that existed before it."""
	found = {}
	for doctype, (type_field, name_field) in NOTICE_REFERENCES.items():
		if not frappe.db.table_exists(doctype):
			continue
		fields = [name_field] + ([type_field] if type_field else [])
		count = 0
		for row in frappe.get_all(doctype, filters={"creation": (">=", taken_at)}, fields=fields):
			ref_doctype = row.get(type_field) if type_field else "HD Ticket"
			ref_name = row.get(name_field)
			if not ref_doctype or not ref_name or not frappe.db.table_exists(ref_doctype):
				continue
			created = frappe.db.get_value(ref_doctype, ref_name, "creation")
			if created and str(created) < taken_at:
				count += 1
		if count:
			found[doctype] = count
	return found


def prepare():
	"""Test master data, made once before the first snapshot (and reused by every run)."""
	from crm_order_extension.setup.install import before_tests
	from crm_order_extension.tests import fixtures

	before_tests()
	fixtures.ensure_master_data()
	fixtures.ensure_service_item()


def save(path: str):
	prepare()
	frappe.db.commit()
	with open(path, "w") as f:
		json.dump(snapshot(), f, indent=1, sort_keys=True, default=str)


def differences(before: dict, after: dict) -> list[str]:
	found = []
	for key in sorted(set(before) | set(after)):
		old, new = before.get(key), after.get(key)
		if key == "counts":
			for doctype in sorted(set(old) | set(new)):
				if old.get(doctype) != new.get(doctype):
					found.append(f"{doctype}: {old.get(doctype)} rows before, {new.get(doctype)} after")
			continue
		old_set = {json.dumps(v) for v in old or []}
		new_set = {json.dumps(v) for v in new or []}
		found += [f"{key}: gone {v}" for v in sorted(old_set - new_set)]
		found += [f"{key}: added {v}" for v in sorted(new_set - old_set)]
	return found


def compare(path: str):
	with open(path) as f:
		before = json.load(f)
	after = json.loads(json.dumps(snapshot(), default=str))
	taken_at = before.pop("taken_at", None)
	after.pop("taken_at", None)
	if taken_at:
		for doctype, count in notices_about_older_records(taken_at).items():
			print(f"  {doctype}: {count} notices about records the site had before the suite (not counted)")
			after["counts"][doctype] -= count
	found = differences(before, after)
	if found:
		print("The test suite changed the site:")
		for line in found:
			print("  " + line)
		raise SystemExit(1)
	print("Site unchanged by the test suite: scheduled jobs, settings, roles, permissions, record counts")
