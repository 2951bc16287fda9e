"""Sales Agent isolation: an agent sees only its own commissions, its own agent record and the
orders it referred, in lists, reports, Link searches and the REST API alike.

A user is restricted only when Sales Agent is its sole role with read access to the DocType, so
Operations, reviewers and accountants who also refer customers still see everything. Frappe's
`permission_query_conditions` hook takes an SQL condition; every value in it is escaped.
"""

import frappe
from frappe.permissions import get_doctype_roles

from crm_order_extension.core import commission

AGENT_ROLE = "Sales Agent"


def is_restricted_agent(doctype: str, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	if AGENT_ROLE not in roles:
		return False
	return not (roles & (set(get_doctype_roles(doctype)) - {AGENT_ROLE}))


def _agents_of(user: str) -> str:
	return f"select `name` from `tabSales Agent` where `user` = {frappe.db.escape(user)}"


def commission_ledger_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_restricted_agent("Commission Ledger", user):
		return ""
	return f"`tabCommission Ledger`.`agent` in ({_agents_of(user)})"


def sales_agent_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_restricted_agent("Sales Agent", user):
		return ""
	return f"`tabSales Agent`.`user` = {frappe.db.escape(user)}"


def referred_order_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not doctype or not is_restricted_agent(doctype, user):
		return ""
	codes = f"select `referral_code` from `tabSales Agent` where `user` = {frappe.db.escape(user)}"
	return f"`tab{doctype}`.`referral_code` in ({codes})"


def _own_codes(user: str) -> set[str]:
	return set(frappe.get_all("Sales Agent", filters={"user": user}, pluck="referral_code"))


def has_commission_ledger_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not is_restricted_agent(doc.doctype, user):
		return True
	return bool(doc.agent) and frappe.db.get_value("Sales Agent", doc.agent, "user") == user


def has_sales_agent_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not is_restricted_agent(doc.doctype, user):
		return True
	return doc.user == user


def has_referred_order_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not is_restricted_agent(doc.doctype, user):
		return True
	code = commission.normalize_referral_code(doc.get("referral_code"))
	return bool(code) and code in _own_codes(user)
