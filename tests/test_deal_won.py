from datetime import date

import pytest

from crm_order_extension.core import deal_won as rules
from crm_order_extension.core.errors import RuleError


def test_won_by_status_type_and_by_name_where_statuses_have_no_type():
	assert rules.is_won("Won", "Won")
	assert rules.is_won("Closed - Signed", "Won")
	assert not rules.is_won("Won", "Lost")  # a status named Won but typed otherwise
	assert not rules.is_won("Negotiation", "Ongoing")
	assert rules.is_won("Won", None)
	assert rules.is_won("Won", "")
	assert not rules.is_won("Negotiation", None)
	assert not rules.is_won(None, None)


def test_an_order_is_made_once_per_deal():
	assert rules.should_create_on_won(None, [])
	assert not rules.should_create_on_won("SO-1", [])
	assert not rules.should_create_on_won(None, [{"name": "SO-1", "docstatus": 2}])
	assert not rules.should_create_on_won("SO-1", [{"name": "SO-1", "docstatus": 0}])


def test_recreate_is_refused_while_an_order_is_not_cancelled():
	rules.check_recreate([])
	rules.check_recreate([{"name": "SO-1", "docstatus": 2}, {"name": "SO-2", "docstatus": 2}])
	with pytest.raises(RuleError) as err:
		rules.check_recreate([{"name": "SO-1", "docstatus": 2}, {"name": "SO-2", "docstatus": 0}])
	assert "SO-2" in str(err.value) and "SO-1" not in str(err.value)
	with pytest.raises(RuleError):
		rules.check_recreate([{"name": "SO-3", "docstatus": 1}])


def test_active_orders():
	orders = [{"name": "A", "docstatus": 0}, {"name": "B", "docstatus": 1}, {"name": "C", "docstatus": 2}]
	assert rules.active_orders(orders) == ["A", "B"]


def test_customer_from_organization_else_primary_contact():
	assert rules.customer_source("  Acme   Corp ", "Pat Smith") == rules.CustomerSource(
		"Acme Corp", "Company"
	)
	assert rules.customer_source(None, " Pat  Smith ") == rules.CustomerSource("Pat Smith", "Individual")
	with pytest.raises(RuleError):
		rules.customer_source("", "  ")


def test_order_lines_use_the_net_rate_and_keep_row_order():
	result = rules.order_lines(
		[
			{"item_code": "CAKE", "qty": 2, "rate": 10, "net_amount": 18},
			{"item_code": "BREAD", "qty": 0, "rate": 4, "net_amount": 0},
		],
		{"CAKE", "BREAD"},
	)
	assert result.missing == []
	assert result.lines == [
		{"item_code": "CAKE", "qty": 2.0, "rate": 9.0},
		{"item_code": "BREAD", "qty": 1.0, "rate": 4.0},
	]


def test_unknown_products_are_listed_and_no_lines_are_accepted():
	result = rules.order_lines(
		[
			{"item_code": "CAKE", "qty": 1, "rate": 5},
			{"item_code": "GHOST", "qty": 1, "rate": 5},
			{"item_code": None, "product_name": "Free text", "qty": 1},
			{"item_code": "GHOST", "qty": 3},
		],
		["CAKE"],
	)
	assert result.missing == ["GHOST", "Free text"]
	with pytest.raises(RuleError) as err:
		rules.check_lines("CRM-DEAL-1", result)
	assert "GHOST, Free text" in str(err.value)
	assert err.value.template.startswith("No Sales Order was created")


def test_a_deal_without_products_gets_no_order():
	with pytest.raises(RuleError) as err:
		rules.check_lines("CRM-DEAL-1", rules.order_lines([], []))
	assert "no products" in str(err.value)


def test_delivery_date_from_setting_or_later_expected_closure():
	today = date(2026, 3, 10)
	assert rules.delivery_date(today, None, 7) == date(2026, 3, 17)
	assert rules.delivery_date(today, None, 3) == date(2026, 3, 13)
	assert rules.delivery_date(today, None, 0) == date(2026, 3, 17)  # unset: the default
	assert rules.delivery_date(today, None, None) == date(2026, 3, 17)
	assert rules.delivery_date(today, date(2026, 4, 1), 7) == date(2026, 4, 1)
	# an expected closure date that has passed (or is today) is no delivery date
	assert rules.delivery_date(today, date(2026, 3, 1), 7) == date(2026, 3, 17)
	assert rules.delivery_date(today, today, 2) == date(2026, 3, 12)
