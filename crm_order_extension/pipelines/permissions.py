"""Referrer isolation: a Sales Agent sees only its own commissions, its own agent record and the
orders it referred, a Referral Partner only its own commissions and partner record, in lists,
reports, Link searches and the REST API alike.

A user is restricted only when Sales Agent / Referral Partner are its sole roles with read access
to the DocType, so Operations, reviewers and accountants who also refer customers still see
everything. Frappe's
`permission_query_conditions` hook takes an SQL condition; every value in it is escaped.
"""

import frappe
from frappe.permissions import get_doctype_roles

from crm_order_extension.core import commission

AGENT_ROLE = "Sales Agent"
PARTNER_ROLE = "Referral Partner"
REFERRER_ROLES = frozenset({AGENT_ROLE, PARTNER_ROLE})


def _restricted(doctype: str, user: str, restricting: set | frozenset) -> bool:
	"""True when `user` holds one of the `restricting` roles and no other role reading `doctype`."""
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	if not roles & restricting:
		return False
	return not (roles & (set(get_doctype_roles(doctype)) - restricting))


def is_restricted_agent(doctype: str, user: str | None = None) -> bool:
	return _restricted(doctype, user or frappe.session.user, {AGENT_ROLE})


def is_restricted_referrer(doctype: str, user: str | None = None) -> bool:
	"""An agent or partner (or both) with no other role reading `doctype`."""
	return _restricted(doctype, user or frappe.session.user, REFERRER_ROLES)


def _agents_of(user: str) -> str:
	return f"select `name` from `tabSales Agent` where `user` = {frappe.db.escape(user)}"


def _partners_of(user: str) -> str:
	return f"select `name` from `tabReferral Partner` where `user` = {frappe.db.escape(user)}"


def commission_ledger_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_restricted_referrer("Commission Ledger", user):
		return ""
	return (
		f"(`tabCommission Ledger`.`agent` in ({_agents_of(user)})"
		f" or `tabCommission Ledger`.`partner` in ({_partners_of(user)}))"
	)


def sales_agent_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_restricted_agent("Sales Agent", user):
		return ""
	return f"`tabSales Agent`.`user` = {frappe.db.escape(user)}"


def referral_partner_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not _restricted("Referral Partner", user, {PARTNER_ROLE}):
		return ""
	return f"`tabReferral Partner`.`user` = {frappe.db.escape(user)}"


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
	if not is_restricted_referrer(doc.doctype, user):
		return True
	if doc.get("agent") and frappe.db.get_value("Sales Agent", doc.agent, "user") == user:
		return True
	return bool(doc.get("partner")) and frappe.db.get_value("Referral Partner", doc.partner, "user") == user


def has_sales_agent_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not is_restricted_agent(doc.doctype, user):
		return True
	return doc.user == user


def has_referral_partner_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not _restricted(doc.doctype, user, {PARTNER_ROLE}):
		return True
	return doc.user == user


def has_referred_order_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if not is_restricted_agent(doc.doctype, user):
		return True
	code = commission.normalize_referral_code(doc.get("referral_code"))
	return bool(code) and code in _own_codes(user)
