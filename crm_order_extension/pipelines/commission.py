"""Commission Ledger: one entry per paid, referred Sales Order; reversal on refund; eligibility.

The referrer is a Sales Agent (a fixed amount per service type and tier) or a Referral Partner
(its rate of the order's net total); both kinds share one code namespace, so a code names at most
one of them. The amounts, statuses and dates follow core.commission and core.referral. The ledger's unique `sales_order` column
makes "exactly once" hold in the database, also when two payments land at the same moment.
"""

import frappe
from frappe import _
from frappe.utils import flt, get_number_format_info, getdate, nowdate

from crm_order_extension.core import commission, pipeline, referral
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines.common import PIPELINE_DOCTYPES, is_paid, throw_rule
from crm_order_extension.pipelines.referral_partners import partner_for_code
from crm_order_extension.utils.guard import guarded

SETTINGS = "CRM Order Extension Settings"
LEDGER = "Commission Ledger"
AGENT = "Sales Agent"

# The service type a pipeline order earns when its Sales Order does not say.
DOCTYPE_SERVICE_TYPE = {
	pipeline.FORMATION_ORDER: commission.FORMATION,
	pipeline.COMPLIANCE_SERVICE: commission.COMPLIANCE,
}


def rules() -> list[dict]:
	return frappe.get_all(
		"Commission Rule",
		filters={"parenttype": SETTINGS, "parentfield": "commission_rules"},
		fields=["service_type", "tier", "amount"],
		order_by="idx asc",
	)


def refund_window_days() -> int:
	days = frappe.db.get_single_value(SETTINGS, "refund_window_days")
	return commission.REFUND_WINDOW_DAYS if days is None else int(days)


def pipeline_order_of(sales_order: str) -> dict | None:
	"""The Formation Order or Compliance Service that fulfils `sales_order`, oldest first."""
	for doctype in PIPELINE_DOCTYPES:
		row = frappe.get_all(
			doctype,
			filters={"sales_order": sales_order},
			fields=["name", "referral_code", "status"],
			order_by="creation asc",
			limit=1,
		)
		if row:
			return {"doctype": doctype, **row[0]}
	return None


def agent_for_code(code: str | None) -> dict | None:
	code = commission.normalize_referral_code(code)
	if not code:
		return None
	return frappe.db.get_value(
		AGENT, {"referral_code": code, "enabled": 1}, ["name", "commission_tier"], as_dict=True
	)


def currency_precision(currency: str | None) -> int:
	"""Decimals of `currency` (its own number format, else the system's currency precision)."""
	from frappe.model.meta import get_field_precision

	number_format = currency and frappe.db.get_value("Currency", currency, "number_format", cache=True)
	if number_format:
		return get_number_format_info(number_format)[2]
	return get_field_precision(frappe.get_meta(LEDGER).get_field("commission_amount"))


def partner_amount(rate: float, net_total: float, currency: str | None) -> float:
	return flt(referral.percentage_commission(rate, net_total), currency_precision(currency))


def existing_entry(sales_order: str) -> str | None:
	return frappe.db.get_value(LEDGER, {"sales_order": sales_order})


def create_for_order(sales_order: str, sales_invoice: str | None = None) -> str | None:
	"""The ledger entry of a paid Sales Order, created on the first call and returned on every later one.

	None when the order has no known referral code (of an enabled agent or partner) or earns nothing.
	"""
	if name := existing_entry(sales_order):
		return name
	order = frappe.db.get_value(
		"Sales Order",
		sales_order,
		[
			"name",
			"docstatus",
			"customer",
			"company",
			"custom_order_type",
			"custom_referral_code",
			"base_net_total",
		],
		as_dict=True,
	)
	if not order or order.docstatus != 1:
		return None
	reference = pipeline_order_of(sales_order)
	code = order.custom_referral_code or (reference or {}).get("referral_code")
	agent = agent_for_code(code)
	partner = None if agent else partner_for_code(code)
	if not (agent or partner):
		return None
	service_type = commission.service_type_for_order_type(order.custom_order_type)
	if not service_type and reference:
		service_type = DOCTYPE_SERVICE_TYPE[reference["doctype"]]
	if not service_type:
		return None
	if agent:
		party = {
			"party_type": referral.SALES_AGENT,
			"agent": agent.name,
			"commission_tier": agent.commission_tier,
		}
		amount = commission.commission_amount(rules(), service_type, agent.commission_tier)
	else:
		# The ledger is kept in the company's currency: the rate applies to the base net total.
		currency = frappe.get_cached_value("Company", order.company, "default_currency")
		amount = partner_amount(partner.commission_rate, order.base_net_total, currency)
		party = {
			"party_type": referral.REFERRAL_PARTNER,
			"partner": partner.name,
			"commission_tier": partner.tier,
			"commission_rate": partner.commission_rate,
			"base_amount": order.base_net_total,
		}
	if amount <= 0:
		return None  # a zero entry would only clutter the statements

	entry = frappe.get_doc(
		{
			"doctype": LEDGER,
			**party,
			"sales_order": sales_order,
			"sales_invoice": sales_invoice,
			"customer": order.customer,
			"reference_doctype": reference and reference["doctype"],
			"reference_name": reference and reference["name"],
			"service_type": service_type,
			"commission_amount": amount,
			"status": commission.PENDING,
		}
	)
	with guarded(
		"coe_commission_entry", catch=(frappe.UniqueValidationError, frappe.DuplicateEntryError)
	) as guard:
		entry.insert(ignore_permissions=True)
	if guard.failed:
		# Another worker created it first (the unique key waited for its commit): keep theirs.
		return existing_entry(sales_order)
	return entry.name


def reverse_for_order(sales_order: str, reason: str) -> str | None:
	"""Apply a refund or cancellation of `sales_order` to its ledger entry (idempotent)."""
	name = existing_entry(sales_order)
	if not name:
		return None
	entry = frappe.get_doc(LEDGER, name)
	status, flagged = commission.status_after_refund(entry.status)
	if status == entry.status and bool(entry.refund_flagged) == flagged:
		return name
	entry.status = status
	entry.refund_flagged = int(flagged)
	if status == commission.REVERSED:
		entry.reversed_on = nowdate()
	entry.remarks = "\n".join(filter(None, [entry.remarks, reason]))
	entry.flags.ignore_permissions = True
	entry.save()
	return name


def validate_ledger_entry(entry) -> None:
	"""Controller rules of Commission Ledger: one party, status flow, paid date, refund window."""
	before = None if entry.is_new() else entry.get_doc_before_save()
	today = getdate(nowdate())
	try:
		entry.party_type, _party = referral.party_of(entry.party_type, entry.agent, entry.partner)
	except RuleError as err:
		throw_rule(err)
	entry.party_name = entry.partner_name if entry.partner else entry.agent_name
	if entry.is_new():
		entry.earned_on = entry.earned_on or today
		entry.eligible_on = commission.eligible_on(getdate(entry.earned_on), refund_window_days())
	try:
		commission.check_ledger_transition(before.status if before else None, entry.status, entry.paid_date)
		if entry.status == commission.ELIGIBLE and before and before.status != commission.ELIGIBLE:
			commission.check_eligible_date(getdate(entry.eligible_on), today)
	except RuleError as err:
		throw_rule(err)


def daily_eligibility() -> int:
	"""Scheduler (daily): Pending entries whose refund window is over become Eligible, provided the
	order is still paid (a cancelled Payment Entry leaves the entry Pending until it is paid again)."""
	rows = frappe.get_all(
		LEDGER,
		filters={"status": commission.PENDING, "eligible_on": ("<=", nowdate())},
		fields=["name", "sales_order"],
	)
	moved = 0
	for row in rows:
		name = row.name
		if not is_paid(row.sales_order):
			continue
		title = _("Commission {0} could not become eligible").format(name)
		with guarded("coe_commission_eligible", title=title):
			entry = frappe.get_doc(LEDGER, name)
			entry.status = commission.ELIGIBLE
			entry.flags.ignore_permissions = True
			entry.save()
			moved += 1
	return moved
