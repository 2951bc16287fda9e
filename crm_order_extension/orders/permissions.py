"""Who may see order histories: the Frappe side of core.order_access.

Reading or syncing a lead's, deal's or ticket's order history needs read permission on Sales
Orders (by role; one shared order opens nothing) or one of the roles listed in the settings
(*Roles Allowed to See Order History*), and, where the user's User Permissions restrict Customer
for Sales Orders, a customer among them. The endpoints check this; the stored rows and their sync
fields sit at permission level 1 on CRM Lead, CRM Deal and HD Ticket, which the listed roles may
read, so Desk, the REST API, reports and lists drop them for everyone else.
"""

import frappe
from frappe import _

from crm_order_extension.core import order_access
from crm_order_extension.orders.customer import TARGETS

SETTINGS = "CRM Order Extension Settings"
ROLES_FIELD = "order_history_roles"
EXPLICIT_FIELD = "custom_erpnext_customer"
# The level of the history fields in fixtures/custom_field.json and of the child rows' fields.
HISTORY_PERMLEVEL = 1


def history_roles() -> list[str]:
	return [row.role for row in frappe.get_cached_doc(SETTINGS).get(ROLES_FIELD) or [] if row.role]


def reads_sales_orders(user: str) -> bool:
	# Role rules only: a Sales Order shared with the user must not open every customer's orders.
	return frappe.has_permission("Sales Order", "read", user=user, ignore_share_permissions=True)


def permitted_customers(user: str) -> list[str] | None:
	"""The customers the user's User Permissions allow on Sales Orders; None when unrestricted."""
	from frappe.permissions import get_allowed_docs_for_doctype, get_user_permissions

	rules = get_user_permissions(user).get("Customer") or []
	return get_allowed_docs_for_doctype(rules, "Sales Order") or None


def can_see(customer: str | None = None, user: str | None = None) -> bool:
	"""Whether the user may see order histories at all, or those of `customer`."""
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	return order_access.may_see_history(
		frappe.get_roles(user),
		history_roles(),
		reads_sales_orders(user),
		customer,
		permitted_customers(user) if customer else None,
	)


def deny(message: str):
	"""403 with a message and no traceback."""
	frappe.flags.disable_traceback = True
	frappe.throw(message, frappe.PermissionError, title=_("Not permitted"))


def check_history_access(customers: list[str] | None = None) -> None:
	"""Refuse (403) a user who may not see order histories, or the orders of one of `customers`."""
	if not can_see():
		roles = ", ".join(_(role) for role in history_roles()) or _("none set")
		deny(
			_(
				"You are not permitted to see order histories: that needs read access to Sales Orders "
				"or one of these roles: {0}"
			).format(roles)
		)
	if not all(can_see(customer) for customer in customers or []):
		deny(_("You are not permitted to see the orders of this record's customer"))


def restricts_customers() -> bool:
	"""Whether a customer check can refuse the session user (skips resolving when it cannot)."""
	user = frappe.session.user
	return user != "Administrator" and permitted_customers(user) is not None


# --- Setting the explicit customer (doc event) ---


def validate_explicit_customer(doc, method=None):
	"""validate of CRM Lead, CRM Deal and HD Ticket: pointing a record at a customer needs read
	access to that customer (or to its orders), or anyone could pull any customer's orders onto a
	record of their own."""
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch:
		return
	# Server code that skips permissions (imports by the system, integrations) is trusted.
	if doc.flags.ignore_permissions or frappe.session.user == "Administrator":
		return
	customer = doc.get(EXPLICIT_FIELD)
	if not customer or not doc.has_value_changed(EXPLICIT_FIELD):
		return
	if not frappe.db.exists("Customer", customer):
		return  # the Link validation reports it
	if frappe.has_permission("Customer", "read", doc=customer) or can_see(customer):
		return
	label = doc.meta.get_label(EXPLICIT_FIELD)
	deny(
		_("You are not permitted to set {0} to {1}: you cannot read that Customer").format(_(label), customer)
	)


# --- Field-level access to the stored rows ---


def _rules(doctype: str) -> list[tuple[str, int]]:
	# Custom DocPerm replaces the standard rules once a DocType has any.
	source = "Custom DocPerm" if frappe.db.exists("Custom DocPerm", {"parent": doctype}) else "DocPerm"
	return [
		(rule.role, rule.permlevel or 0)
		for rule in frappe.get_all(source, filters={"parent": doctype}, fields=["role", "permlevel"])
	]


def sync_field_access(grant=(), revoke=()) -> None:
	"""Give the `grant` roles read access to the history fields (permission level 1) and take it
	from the `revoke` roles, on CRM Lead, CRM Deal and HD Ticket. Only the change is applied, so an
	admin's own edits in the Role Permission Manager stay."""
	from frappe.core.doctype.doctype.doctype import clear_permissions_cache
	from frappe.permissions import add_permission

	for doctype in TARGETS:
		if not frappe.db.exists("DocType", doctype):
			continue
		to_grant, to_revoke = order_access.field_rule_changes(
			_rules(doctype), grant, revoke, HISTORY_PERMLEVEL
		)
		for role in to_grant:
			# add_permission copies the standard rules to Custom DocPerm first, so nothing is lost.
			add_permission(doctype, role, HISTORY_PERMLEVEL, "read")
		for role in to_revoke:
			for name in frappe.get_all(
				"Custom DocPerm",
				filters={"parent": doctype, "role": role, "permlevel": HISTORY_PERMLEVEL},
				pluck="name",
			):
				frappe.delete_doc("Custom DocPerm", name, ignore_permissions=True, force=True)
		if to_grant or to_revoke:
			clear_permissions_cache(doctype)


def on_settings_update(doc, method=None):
	"""on_update of the settings: the field access follows the edited role list."""
	before = doc.get_doc_before_save()
	old = {row.role for row in (before.get(ROLES_FIELD) if before else None) or []}
	new = {row.role for row in doc.get(ROLES_FIELD) or []}
	if old != new:
		sync_field_access(grant=new - old, revoke=old - new)


def remove_field_access() -> None:
	"""Uninstall: drop the level-1 read rules of the listed roles (the fields go with the app)."""
	sync_field_access(revoke=history_roles())


def strip_unreadable(doctype: str, data):
	"""Drop the fields above the user's permission level from a document dict, as Desk and the
	REST API do (Document.apply_fieldlevel_read_permissions) for endpoints that return as_dict()."""
	if frappe.session.user == "Administrator" or not isinstance(data, dict):
		return data
	meta = frappe.get_meta(doctype)
	readable = set(meta.get_permlevel_access("read"))
	for df in meta.fields:
		if df.permlevel and df.permlevel not in readable:
			data.pop(df.fieldname, None)
	return data
