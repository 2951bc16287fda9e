"""Referral partners: percentage commissions and who a Commission Ledger entry belongs to.

Agents earn a fixed amount per service type (core.commission); a referral partner earns its rate
of the order's net total. Both kinds of referrer draw their codes from one namespace and their
entries share the ledger's life cycle (Pending -> Eligible -> Paid, reversal on refund).
"""

from collections.abc import Iterable, Mapping

from crm_order_extension.core.errors import RuleError, _

SALES_AGENT = "Sales Agent"
REFERRAL_PARTNER = "Referral Partner"
PARTY_TYPES = (SALES_AGENT, REFERRAL_PARTNER)


def check_rate(rate: float | None) -> float:
	"""A commission rate in percent: 0 to 100."""
	try:
		value = float(rate or 0)
	except (TypeError, ValueError):
		raise RuleError(_("The commission rate must be a number")) from None
	if value != value or value < 0 or value > 100:  # NaN too
		raise RuleError(_("The commission rate must be between 0 and 100 %, not {0}"), rate)
	return value


def percentage_commission(rate: float | None, net_total: float | None) -> float:
	"""Unrounded commission of `rate` percent on `net_total`; nothing on a zero or negative total.

	The adapter rounds it to the currency's precision."""
	rate = check_rate(rate)
	total = float(net_total or 0)
	if total <= 0 or rate <= 0:
		return 0.0
	return rate * total / 100


def party_of(party_type: str | None, agent: str | None, partner: str | None) -> tuple[str, str]:
	"""(party type, party) of a ledger entry: exactly the link its type names is set.

	A blank type is a Sales Agent entry (entries made before partners existed)."""
	party_type = party_type or SALES_AGENT
	if party_type not in PARTY_TYPES:
		raise RuleError(_("Unknown party type {0}. Valid values: {1}"), party_type, ", ".join(PARTY_TYPES))
	own, other = (agent, partner) if party_type == SALES_AGENT else (partner, agent)
	if not own:
		raise RuleError(_("A commission entry of a {0} needs the {0}"), party_type)
	if other:
		raise RuleError(_("A commission entry belongs to one {0} or one {1}, not both"), *PARTY_TYPES)
	return party_type, own


def partner_totals(
	by_status: Iterable[Mapping], paid_status: str = "Paid", reversed_status: str = "Reversed"
) -> tuple[int, float]:
	"""(referrals, paid amount) from a partner's ledger summed per status (status, entries, amount).

	A referral is an entry that was not reversed; the paid total is what was paid out (a paid
	entry flagged after a refund still counts: the money went out)."""
	referrals, paid = 0, 0.0
	for row in by_status:
		status = row.get("status")
		if status == reversed_status:
			continue
		referrals += int(row.get("entries") or 0)
		if status == paid_status:
			paid += float(row.get("amount") or 0)
	return referrals, paid
