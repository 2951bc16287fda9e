import math

import pytest

from crm_order_extension.core import referral
from crm_order_extension.core.errors import RuleError
from crm_order_extension.core.referral import REFERRAL_PARTNER, SALES_AGENT


@pytest.mark.parametrize("rate", [0, 0.5, 10, 100, "12.5", None])
def test_rates_from_0_to_100_percent(rate):
	assert referral.check_rate(rate) == float(rate or 0)


@pytest.mark.parametrize("rate", [-1, 100.01, "abc", math.nan, [1]])
def test_other_rates_are_refused(rate):
	with pytest.raises(RuleError):
		referral.check_rate(rate)


@pytest.mark.parametrize(
	"rate,total,amount",
	[
		(10, 299, 29.9),
		(12.5, 1000, 125),
		(7.5, 33.33, 2.49975),  # the adapter rounds to the currency's precision
		(0, 500, 0),
		(10, 0, 0),
		(10, -50, 0),  # a credit can't earn a negative commission
		(100, 80, 80),
	],
)
def test_percentage_of_the_net_total(rate, total, amount):
	assert referral.percentage_commission(rate, total) == pytest.approx(amount)


def test_party_of_an_entry():
	assert referral.party_of(None, "AGT-1", None) == (SALES_AGENT, "AGT-1")
	assert referral.party_of(SALES_AGENT, "AGT-1", None) == (SALES_AGENT, "AGT-1")
	assert referral.party_of(REFERRAL_PARTNER, None, "RP-1") == (REFERRAL_PARTNER, "RP-1")
	for args, fragment in (
		((REFERRAL_PARTNER, None, None), "needs the Referral Partner"),
		((SALES_AGENT, None, "RP-1"), "needs the Sales Agent"),
		((SALES_AGENT, "AGT-1", "RP-1"), "not both"),
		((REFERRAL_PARTNER, "AGT-1", "RP-1"), "not both"),
		(("Customer", "AGT-1", None), "Unknown party type"),
	):
		with pytest.raises(RuleError, match=fragment):
			referral.party_of(*args)


def test_partner_totals_count_unreversed_entries_and_sum_paid_ones():
	rows = [
		{"status": "Pending", "entries": 2, "amount": 50},
		{"status": "Eligible", "entries": 1, "amount": 20},
		{"status": "Paid", "entries": 3, "amount": 120.5},
		{"status": "Reversed", "entries": 4, "amount": 99},
	]
	assert referral.partner_totals(rows) == (6, 120.5)
	assert referral.partner_totals([]) == (0, 0.0)
