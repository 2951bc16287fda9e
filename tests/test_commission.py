import itertools
import random
from datetime import date

import pytest

from crm_order_extension.core import commission
from crm_order_extension.core.commission import (
	BUNDLE,
	COMPLIANCE,
	CRTC,
	DEFAULT_RULES,
	ELIGIBLE,
	FORMATION,
	LEDGER_STATUSES,
	PAID,
	PENDING,
	REFERRAL_ALPHABET,
	REVERSED,
	STANDARD_TIER,
	becomes_eligible,
	check_ledger_transition,
	check_rules,
	commission_amount,
	eligible_on,
	generate_referral_code,
	is_valid_referral_code,
	ledger_key,
	normalize_referral_code,
	service_type_for_order_type,
	status_after_refund,
)
from crm_order_extension.core.errors import RuleError

RULES = [
	*DEFAULT_RULES,
	{"service_type": FORMATION, "tier": "Gold", "amount": 75},
	{"service_type": BUNDLE, "tier": "Gold", "amount": 400.5},
	{"service_type": COMPLIANCE, "tier": "Gold", "amount": 20},
]


@pytest.mark.parametrize(
	"service_type, amount", [(FORMATION, 50.0), (CRTC, 100.0), (BUNDLE, 300.0), (COMPLIANCE, 0.0)]
)
def test_default_rules_for_standard_tier(service_type, amount):
	assert commission_amount(DEFAULT_RULES, service_type, STANDARD_TIER) == amount


@pytest.mark.parametrize(
	"service_type, tier, amount",
	[
		(FORMATION, "Gold", 75.0),  # tier-specific rule
		(BUNDLE, "Gold", 400.5),
		(CRTC, "Gold", 100.0),  # falls back to Standard
		(FORMATION, "Silver", 50.0),  # tier without any rule: Standard
		(FORMATION, None, 50.0),  # blank tier is Standard
		(FORMATION, "  ", 50.0),
		(COMPLIANCE, "Gold", 20.0),
		(COMPLIANCE, STANDARD_TIER, 0.0),  # no Standard compliance rule: nothing to fall back to
		("Trademark", "Gold", 0.0),  # unknown service type: no commission
		(None, STANDARD_TIER, 0.0),
	],
)
def test_tier_rule_then_standard_then_nothing(service_type, tier, amount):
	result = commission_amount(RULES, service_type, tier)
	assert result == amount
	assert isinstance(result, float)


def test_first_matching_rule_wins_and_empty_rules_pay_nothing():
	rules = [
		{"service_type": CRTC, "tier": "Gold", "amount": 1},
		{"service_type": CRTC, "tier": "Gold", "amount": 2},
	]
	assert commission_amount(rules, CRTC, "Gold") == 1.0
	assert commission_amount([], FORMATION, STANDARD_TIER) == 0.0


def test_rule_with_blank_tier_counts_as_standard():
	assert commission_amount([{"service_type": CRTC, "tier": None, "amount": 120}], CRTC, "Gold") == 120.0


def test_check_rules_accepts_defaults_and_rejects_bad_tables():
	check_rules(RULES)
	with pytest.raises(RuleError, match="Unknown service type Trademark"):
		check_rules([{"service_type": "Trademark", "tier": STANDARD_TIER, "amount": 1}])
	with pytest.raises(RuleError, match="cannot be negative"):
		check_rules([{"service_type": CRTC, "tier": STANDARD_TIER, "amount": -1}])
	with pytest.raises(RuleError, match="already a commission rule for Formation and tier Standard"):
		check_rules([*DEFAULT_RULES, {"service_type": FORMATION, "tier": "", "amount": 10}])


@pytest.mark.parametrize(
	"order_type, service_type",
	[
		("formation", FORMATION),
		("crtc", CRTC),
		("bundle", BUNDLE),
		("compliance", COMPLIANCE),
		(" CRTC ", CRTC),
		("Formation", FORMATION),
		("shopify", None),
		("", None),
		(None, None),
	],
)
def test_service_type_for_order_type(order_type, service_type):
	assert service_type_for_order_type(order_type) == service_type


@pytest.mark.parametrize("code", ["REF-ABCDE", "REF-12345", "REF-A1B2C", "REF-00OOI"])
def test_valid_referral_codes(code):
	assert is_valid_referral_code(code)


@pytest.mark.parametrize(
	"code",
	[
		"REF-abcde",
		"ref-ABCDE",
		"REF-ABCD",
		"REF-ABCDEF",
		"REF_ABCDE",
		"ABCDE",
		"REF-AB-DE",
		"REF-ÄBCDE",
		" REF-ABCDE",
		"",
		None,
		12345,
	],
)
def test_invalid_referral_codes(code):
	assert not is_valid_referral_code(code)


def test_normalize_referral_code_makes_typed_codes_comparable():
	assert normalize_referral_code("  ref-ab12c ") == "REF-AB12C"
	assert is_valid_referral_code(normalize_referral_code("ref-ab12c"))
	assert normalize_referral_code(None) == ""


def test_generate_referral_code_uses_injected_randomness():
	picks = iter("XY7ZK")
	assert generate_referral_code(rand_choice=lambda alphabet: next(picks)) == "REF-XY7ZK"
	assert generate_referral_code(rand_choice=lambda alphabet: alphabet[0]) == "REF-22222"


def test_generated_codes_are_valid_and_avoid_look_alike_characters():
	assert not set("01OIL") & set(REFERRAL_ALPHABET)
	assert len(REFERRAL_ALPHABET) == 31
	rng = random.Random(7)
	codes = {generate_referral_code(rand_choice=rng.choice) for _ in range(200)}
	assert all(is_valid_referral_code(code) for code in codes)
	assert len(codes) > 190
	assert is_valid_referral_code(generate_referral_code())


def test_generate_referral_code_retries_taken_codes():
	# Five picks per attempt: AAAAA, then BBBBB, then CCCCC.
	picks = iter("AAAAABBBBBCCCCC")
	checked = []

	def exists(code):
		checked.append(code)
		return code in {"REF-AAAAA", "REF-BBBBB"}

	assert generate_referral_code(rand_choice=lambda alphabet: next(picks), exists=exists) == "REF-CCCCC"
	assert checked == ["REF-AAAAA", "REF-BBBBB", "REF-CCCCC"]


def test_generate_referral_code_gives_up_after_attempts():
	with pytest.raises(RuleError, match="after 3 attempts"):
		generate_referral_code(rand_choice=lambda a: "A", exists=lambda code: True, attempts=3)


def test_ledger_key_is_the_sales_order():
	assert ledger_key(" SAL-ORD-2024-00001 ") == "SAL-ORD-2024-00001"
	assert ledger_key("SO-1") == ledger_key("SO-1")
	for blank in (None, "", "  "):
		with pytest.raises(RuleError, match="needs a Sales Order"):
			ledger_key(blank)


LEDGER_LEGAL = {(PENDING, ELIGIBLE), (PENDING, REVERSED), (ELIGIBLE, PAID), (ELIGIBLE, REVERSED)}


@pytest.mark.parametrize("current, target", list(itertools.product(LEDGER_STATUSES, LEDGER_STATUSES)))
def test_ledger_transitions(current, target):
	if (current, target) in LEDGER_LEGAL or current == target:
		check_ledger_transition(current, target, paid_date=date(2024, 5, 1))
	else:
		with pytest.raises(RuleError, match=f"from {current} to {target}"):
			check_ledger_transition(current, target, paid_date=date(2024, 5, 1))


def test_paid_needs_a_paid_date_even_without_a_status_change():
	for current in (ELIGIBLE, PAID):
		with pytest.raises(RuleError, match="paid date"):
			check_ledger_transition(current, PAID, paid_date=None)
	check_ledger_transition(ELIGIBLE, PAID, paid_date="2024-05-01")
	check_ledger_transition(PENDING, ELIGIBLE)


def test_pending_cannot_skip_to_paid_and_final_statuses_say_so():
	with pytest.raises(RuleError) as err:
		check_ledger_transition(PENDING, PAID, paid_date=date(2024, 5, 1))
	assert (
		str(err.value) == "Cannot change commission status from Pending to Paid. Allowed: Eligible, Reversed"
	)
	with pytest.raises(RuleError, match="Reversed is final"):
		check_ledger_transition(REVERSED, PENDING)


def test_new_ledger_entries_start_pending():
	check_ledger_transition(None, PENDING)
	for status in (ELIGIBLE, PAID, REVERSED):
		with pytest.raises(RuleError, match="must start as Pending"):
			check_ledger_transition(None, status, paid_date=date(2024, 5, 1))


@pytest.mark.parametrize("current, target", [("Open", PENDING), (PENDING, "Cancelled"), (PENDING, None)])
def test_unknown_ledger_statuses(current, target):
	with pytest.raises(RuleError, match="Unknown commission status"):
		check_ledger_transition(current, target)


@pytest.mark.parametrize(
	"status, expected",
	[
		(PENDING, (REVERSED, False)),
		(ELIGIBLE, (REVERSED, False)),
		(PAID, (PAID, True)),
		(REVERSED, (REVERSED, False)),
	],
)
def test_refund_before_payout_reverses_after_payout_flags(status, expected):
	assert status_after_refund(status) == expected
	new_status, _ = expected
	if new_status != status:
		check_ledger_transition(status, new_status)


def test_refund_of_unknown_status():
	with pytest.raises(RuleError):
		status_after_refund("Open")


CREATED = date(2024, 1, 31)


@pytest.mark.parametrize(
	"status, today, expected",
	[
		(PENDING, date(2024, 3, 1), True),  # exactly 30 days later (leap February)
		(PENDING, date(2024, 2, 29), False),  # day 29
		(PENDING, date(2024, 6, 1), True),
		(PENDING, CREATED, False),
		(ELIGIBLE, date(2024, 6, 1), False),  # already eligible
		(PAID, date(2024, 6, 1), False),
		(REVERSED, date(2024, 6, 1), False),
	],
)
def test_pending_becomes_eligible_once_the_refund_window_is_over(status, today, expected):
	assert becomes_eligible(status, CREATED, today) is expected


def test_refund_window_is_configurable():
	assert eligible_on(CREATED) == date(2024, 3, 1)
	assert eligible_on(CREATED, 14) == date(2024, 2, 14)
	assert becomes_eligible(PENDING, CREATED, date(2024, 2, 14), refund_window_days=14)
	assert not becomes_eligible(PENDING, CREATED, date(2024, 2, 13), refund_window_days=14)
	assert becomes_eligible(PENDING, CREATED, CREATED, refund_window_days=0)


def test_eligible_date_check_refuses_an_open_refund_window():
	commission.check_eligible_date(date(2026, 1, 31), date(2026, 1, 31))
	with pytest.raises(RuleError) as err:
		commission.check_eligible_date(date(2026, 1, 31), date(2026, 1, 30))
	assert err.value.args == (date(2026, 1, 31),)


@pytest.mark.parametrize(
	"billed_pct, invoices, expected",
	[
		(100, [{"outstanding_amount": 0}], True),
		(100, [{"outstanding_amount": 0.004}, {"outstanding_amount": 0}], True),
		(100, [{"outstanding_amount": 0}, {"outstanding_amount": 10}], False),
		(100, [], False),
		(50, [{"outstanding_amount": 0}], False),
		(None, [{"outstanding_amount": 0}], False),
		(100, [{"outstanding_amount": None}], True),
	],
)
def test_is_order_paid(billed_pct, invoices, expected):
	assert commission.is_order_paid(billed_pct, invoices) is expected


def test_monthly_summary_per_agent_and_month():
	rows = [
		{
			"agent": "A",
			"agent_name": "Ann",
			"earned_on": date(2026, 1, 5),
			"status": "Paid",
			"commission_amount": 50,
		},
		{
			"agent": "A",
			"agent_name": "Ann",
			"earned_on": date(2026, 1, 9),
			"status": "Reversed",
			"commission_amount": 100,
		},
		{
			"agent": "A",
			"agent_name": "Ann",
			"earned_on": "2026-02-01",
			"status": "Pending",
			"commission_amount": 300,
		},
		{
			"agent": "B",
			"agent_name": "Bob",
			"earned_on": date(2026, 1, 20),
			"status": "Eligible",
			"commission_amount": 50,
		},
	]
	summary = commission.monthly_summary(rows)
	assert [(s["month"], s["agent"]) for s in summary] == [
		("2026-02", "A"),
		("2026-01", "B"),
		("2026-01", "A"),
	]
	ann_january = summary[2]
	assert ann_january["orders"] == 2
	assert (ann_january["paid"], ann_january["reversed"], ann_january["total"]) == (50, 100, 50)
	assert summary[0]["pending"] == 300 and summary[0]["total"] == 300
	assert summary[1]["eligible"] == 50


def test_monthly_summary_of_nothing_is_empty():
	assert commission.monthly_summary([]) == []
