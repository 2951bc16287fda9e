"""Referral Partner: codes shared with the Sales Agents, the partner role, totals from the ledger.

Agents and partners draw their referral codes from one namespace: a code belongs to at most one
Sales Agent or Referral Partner. Each table's unique index keeps its own codes apart; across the
two, the check below reads the other table with a locking read, so a second transaction claiming
the same code for the other kind waits (or fails) instead of committing a duplicate.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum

from crm_order_extension.core import commission, referral
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines.common import throw_rule

AGENT = referral.SALES_AGENT
PARTNER = referral.REFERRAL_PARTNER
PARTNER_ROLE = "Referral Partner"
LEDGER = "Commission Ledger"
CODE_HOLDERS = (AGENT, PARTNER)


def code_owner(code: str, doctype: str | None = None, name: str | None = None) -> tuple[str, str] | None:
	"""(doctype, name) of the agent or partner holding `code`, other than `doctype` `name`."""
	for holder in CODE_HOLDERS:
		filters = {"referral_code": code}
		if holder == doctype and name:
			filters["name"] = ("!=", name)
		# A locking read on the other kind's table: its unique index does not cover this one.
		owner = frappe.db.get_value(holder, filters, "name", for_update=holder != doctype)
		if owner:
			return holder, owner
	return None


def claim_referral_code(doc) -> None:
	"""Normalise, generate (when empty) and check the referral code of a Sales Agent or Referral
	Partner against both kinds' codes."""
	code = commission.normalize_referral_code(doc.get("referral_code"))
	if not code:
		try:
			code = commission.generate_referral_code(exists=lambda c: bool(code_owner(c)))
		except RuleError as err:
			throw_rule(err)
	if not commission.is_valid_referral_code(code):
		frappe.throw(
			_("Referral code {0} must be REF- followed by 5 letters or digits, e.g. REF-7KQ2M").format(
				frappe.bold(code)
			),
			title=_("Invalid referral code"),
		)
	taken = code_owner(code, doc.doctype, doc.name)
	if taken:
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("Referral code {0} already belongs to {1} {2}").format(
				frappe.bold(code), _(taken[0]), taken[1]
			),
			frappe.UniqueValidationError,
		)
	doc.referral_code = code


def validate_partner(doc) -> None:
	claim_referral_code(doc)
	try:
		doc.commission_rate = referral.check_rate(doc.commission_rate)
	except RuleError as err:
		throw_rule(err)


def grant_partner_role(doc) -> None:
	"""The role is what restricts the user to its own partner record and commissions."""
	if doc.user and PARTNER_ROLE not in frappe.get_roles(doc.user):
		user = frappe.get_doc("User", doc.user)
		user.flags.ignore_permissions = True
		user.add_roles(PARTNER_ROLE)


def partner_totals(partner: str) -> tuple[int, float]:
	"""(referrals, paid) of a partner, summed from its ledger rows per status (indexed `partner`)."""
	ledger = frappe.qb.DocType(LEDGER)
	rows = (
		frappe.qb.from_(ledger)
		.select(
			ledger.status,
			Count(ledger.name).as_("entries"),
			Sum(ledger.commission_amount).as_("amount"),
		)
		.where((ledger.party_type == PARTNER) & (ledger.partner == partner))
		.groupby(ledger.status)
		.run(as_dict=True)
	)
	return referral.partner_totals(rows, commission.PAID, commission.REVERSED)


def partner_for_code(code: str | None) -> dict | None:
	code = commission.normalize_referral_code(code)
	if not code:
		return None
	return frappe.db.get_value(
		PARTNER, {"referral_code": code, "enabled": 1}, ["name", "commission_rate", "tier"], as_dict=True
	)
