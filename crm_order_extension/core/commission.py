"""Agent commissions: how much an order earns, referral codes, and the ledger's life cycle.

A ledger entry is created once per Sales Order as Pending, becomes Eligible when the refund window
has passed, and is Paid by a payout. A refund or cancellation before payout Reverses it; after
payout the money is gone, so the entry stays Paid and is flagged for a manual claw-back.
"""

import secrets
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta

from crm_order_extension.core.errors import RuleError, _

FORMATION = "Formation"
CRTC = "CRTC"
BUNDLE = "Bundle"
COMPLIANCE = "Compliance"
COMMISSION_SERVICE_TYPES = (FORMATION, CRTC, BUNDLE, COMPLIANCE)

# Sales Order custom_order_type value -> commission service type.
ORDER_TYPE_TO_SERVICE_TYPE = {
	"formation": FORMATION,
	"crtc": CRTC,
	"bundle": BUNDLE,
	"compliance": COMPLIANCE,
}

STANDARD_TIER = "Standard"

# Compliance has no default rule on purpose: it pays nothing until an admin adds a rule for it.
DEFAULT_RULES: tuple[dict, ...] = (
	{"service_type": FORMATION, "tier": STANDARD_TIER, "amount": 50.0},
	{"service_type": CRTC, "tier": STANDARD_TIER, "amount": 100.0},
	{"service_type": BUNDLE, "tier": STANDARD_TIER, "amount": 300.0},
)

REFERRAL_PREFIX = "REF-"
REFERRAL_CODE_LENGTH = 5
REFERRAL_CHARS = frozenset(string.ascii_uppercase + string.digits)
# Generated codes skip look-alikes (0/O, 1/I/L) because people read them out and type them in;
# validation still accepts any uppercase alphanumeric code of the right format.
REFERRAL_ALPHABET = "".join(sorted(REFERRAL_CHARS - set("01OIL")))

PENDING = "Pending"
ELIGIBLE = "Eligible"
PAID = "Paid"
REVERSED = "Reversed"
LEDGER_STATUSES = (PENDING, ELIGIBLE, PAID, REVERSED)
LEDGER_TRANSITIONS: dict[str, tuple[str, ...]] = {
	PENDING: (ELIGIBLE, REVERSED),
	ELIGIBLE: (PAID, REVERSED),
	PAID: (),  # a refund after payout flags the entry instead
	REVERSED: (),
}
REFUND_WINDOW_DAYS = 30


def service_type_for_order_type(order_type: str | None) -> str | None:
	"""Commission service type of a Sales Order's custom_order_type (case-insensitive), else None."""
	return ORDER_TYPE_TO_SERVICE_TYPE.get((order_type or "").strip().casefold())


def _tier(tier: str | None) -> str:
	return (tier or "").strip() or STANDARD_TIER


def check_rules(rules: Iterable[Mapping]) -> None:
	"""Raise RuleError for an unknown service type, a negative amount or two rules for one pair."""
	seen = set()
	for rule in rules:
		service_type, tier = rule.get("service_type"), _tier(rule.get("tier"))
		if service_type not in COMMISSION_SERVICE_TYPES:
			raise RuleError(
				_("Unknown service type {0}. Valid values: {1}"),
				service_type,
				", ".join(COMMISSION_SERVICE_TYPES),
			)
		if float(rule.get("amount") or 0) < 0:
			raise RuleError(_("Commission amount for {0} ({1}) cannot be negative"), service_type, tier)
		if (service_type, tier) in seen:
			raise RuleError(_("There is already a commission rule for {0} and tier {1}"), service_type, tier)
		seen.add((service_type, tier))


def commission_amount(rules: Iterable[Mapping], service_type: str | None, tier: str | None) -> float:
	"""Amount an agent of `tier` earns for one order of `service_type`; 0.0 means no commission.

	The agent's own tier rule wins, then the Standard rule; no rule (an unknown service type,
	Compliance by default) gives 0.0. A blank tier is Standard. First matching rule wins.
	"""
	tier = _tier(tier)
	amounts: dict[str, float] = {}
	for rule in rules:
		if rule.get("service_type") == service_type:
			amounts.setdefault(_tier(rule.get("tier")), float(rule.get("amount") or 0))
	return amounts.get(tier, amounts.get(STANDARD_TIER, 0.0))


def normalize_referral_code(code: str | None) -> str:
	"""Form a typed-in code is compared in: trimmed and upper-cased."""
	return (code or "").strip().upper()


def is_valid_referral_code(code: str | None) -> bool:
	"""Exactly `REF-` followed by 5 uppercase ASCII letters or digits (no normalisation)."""
	if not isinstance(code, str) or not code.startswith(REFERRAL_PREFIX):
		return False
	body = code[len(REFERRAL_PREFIX) :]
	return len(body) == REFERRAL_CODE_LENGTH and set(body) <= REFERRAL_CHARS


def generate_referral_code(
	rand_choice: Callable[[Sequence[str]], str] = secrets.choice,
	exists: Callable[[str], bool] | None = None,
	attempts: int = 20,
) -> str:
	"""A new referral code; retried while `exists(code)` says it is taken (the adapter checks the DB)."""
	for _attempt in range(attempts):
		code = REFERRAL_PREFIX + "".join(rand_choice(REFERRAL_ALPHABET) for _i in range(REFERRAL_CODE_LENGTH))
		if not (exists and exists(code)):
			return code
	raise RuleError(_("Could not generate a unique referral code after {0} attempts"), attempts)


def ledger_key(sales_order: str | None) -> str:
	"""The ledger's dedupe key: one entry per Sales Order, ever (resubmits and re-syncs reuse it).

	The adapter stores it in a unique field and skips creation when the key already exists.
	"""
	key = (sales_order or "").strip()
	if not key:
		raise RuleError(_("A commission ledger entry needs a Sales Order"))
	return key


def _check_status(status: str | None) -> None:
	if status not in LEDGER_TRANSITIONS:
		raise RuleError(
			_("Unknown commission status {0}. Valid values: {1}"), status, ", ".join(LEDGER_STATUSES)
		)


def check_ledger_transition(current: str | None, target: str, paid_date: date | str | None = None) -> None:
	"""Raise RuleError unless a ledger entry may go from `current` to `target`.

	`current` None is a new entry, which must start Pending. Saving without a status change is
	fine, but a Paid entry always needs its paid date.
	"""
	_check_status(target)
	if current is None:
		if target != PENDING:
			raise RuleError(_("A new commission entry must start as {0}, not {1}"), PENDING, target)
		return
	_check_status(current)
	if target != current and target not in LEDGER_TRANSITIONS[current]:
		legal = LEDGER_TRANSITIONS[current]
		if not legal:
			raise RuleError(
				_("Cannot change commission status from {0} to {1}: {0} is final"), current, target
			)
		raise RuleError(
			_("Cannot change commission status from {0} to {1}. Allowed: {2}"),
			current,
			target,
			", ".join(legal),
		)
	if target == PAID and not paid_date:
		raise RuleError(_("Enter the paid date before marking a commission as {0}"), PAID)


def status_after_refund(status: str) -> tuple[str, bool]:
	"""(new status, flagged) when the order is refunded or cancelled.

	Unpaid entries are Reversed. A Paid entry stays Paid and is flagged for claw-back. Already
	Reversed stays Reversed, so handling the same refund twice is harmless.
	"""
	_check_status(status)
	if status == PAID:
		return PAID, True
	return REVERSED, False


def eligible_on(created_on: date, refund_window_days: int = REFUND_WINDOW_DAYS) -> date:
	"""First day a Pending entry may become Eligible."""
	return created_on + timedelta(days=refund_window_days)


def becomes_eligible(
	status: str, created_on: date, today: date, refund_window_days: int = REFUND_WINDOW_DAYS
) -> bool:
	"""True for a Pending entry whose refund window is over (on day `created_on + window`)."""
	return status == PENDING and today >= eligible_on(created_on, refund_window_days)


def check_eligible_date(eligible_date: date, today: date) -> None:
	"""Raise RuleError when an entry is made Eligible while its refund window is still open."""
	if today < eligible_date:
		raise RuleError(
			_("The refund window is still open: this commission becomes eligible on {0}"), eligible_date
		)


def is_order_paid(billed_pct: float | None, invoices: Iterable[Mapping]) -> bool:
	"""True when an order is fully invoiced and every submitted invoice against it is settled.

	`invoices` are the order's submitted, non-return Sales Invoices with their `outstanding_amount`;
	ERPNext rounds to the currency's precision, so anything under half a cent counts as settled.
	"""
	invoices = list(invoices)
	if not invoices or float(billed_pct or 0) < 99.99:
		return False
	return all(float(invoice.get("outstanding_amount") or 0) < 0.005 for invoice in invoices)


def monthly_summary(rows: Iterable[Mapping]) -> list[dict]:
	"""Ledger rows (agent, agent_name, earned_on, status, commission_amount) summed per agent and month.

	Reversed entries are counted but earn nothing; `total` is what the agent has earned or will
	earn (Pending + Eligible + Paid). Sorted by month, newest first, then agent.
	"""
	summary: dict[tuple[str, str], dict] = {}
	for row in rows:
		earned_on = row.get("earned_on")
		month = earned_on.strftime("%Y-%m") if hasattr(earned_on, "strftime") else str(earned_on or "")[:7]
		key = (month, row.get("agent"))
		entry = summary.setdefault(
			key,
			{
				"month": month,
				"agent": row.get("agent"),
				"agent_name": row.get("agent_name"),
				"orders": 0,
				**{status.lower(): 0.0 for status in LEDGER_STATUSES},
				"total": 0.0,
			},
		)
		status = row.get("status")
		if status not in LEDGER_TRANSITIONS:
			continue
		amount = float(row.get("commission_amount") or 0)
		entry["orders"] += 1
		entry[status.lower()] += amount
		if status != REVERSED:
			entry["total"] += amount
	return sorted(summary.values(), key=lambda e: (e["month"], e["agent"] or ""), reverse=True)
