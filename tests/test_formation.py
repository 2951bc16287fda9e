import json

import pytest

from crm_order_extension.core.errors import RuleError
from crm_order_extension.core.formation import (
	ADD_ONS,
	EIN,
	ENTITY_TYPES,
	LLC,
	MANAGER_MANAGED,
	MEMBER_MANAGED,
	OPERATING_AGREEMENT,
	REGISTERED_AGENT,
	SERVICE_TYPES,
	US_STATE_CODES,
	US_STATES,
	order_total,
	parse_intake_data,
	validate_add_ons,
	validate_entity_type,
	validate_management_type,
	validate_ownership,
	validate_service_type,
	validate_state,
)


def test_state_codes_are_the_50_states_plus_dc():
	assert len(US_STATE_CODES) == 51
	assert len(set(US_STATE_CODES)) == 51
	assert "DC" in US_STATE_CODES
	assert US_STATES["DE"] == "Delaware"
	assert all(len(code) == 2 and code.isupper() for code in US_STATE_CODES)


@pytest.mark.parametrize(
	"code, expected", [("CA", "CA"), ("ca", "CA"), (" de ", "DE"), ("Wy", "WY"), ("DC", "DC")]
)
def test_state_codes_are_normalised_to_upper_case(code, expected):
	assert validate_state(code) == expected


@pytest.mark.parametrize("code", ["PR", "GU", "VI", "XX", "CAL", "California", "C", "", None])
def test_bad_state_codes(code):
	with pytest.raises(RuleError, match="is not a US state code") as err:
		validate_state(code)
	assert err.value.args == (code,)


@pytest.mark.parametrize(
	"percentages",
	[[100], [50, 50], [33.33, 33.33, 33.33], [99.99], [100.01], [60, 25.5, 14.5], [0.01, 99.99]],
)
def test_ownership_adding_up_to_100_within_a_cent(percentages):
	validate_ownership(percentages)


@pytest.mark.parametrize(
	"percentages, shown", [([100.5], "100.5"), ([99.98], "99.98"), ([50, 40], "90"), ([60, 60], "120")]
)
def test_ownership_off_by_more_than_a_cent(percentages, shown):
	with pytest.raises(RuleError) as err:
		validate_ownership(percentages)
	assert str(err.value) == f"Ownership percentages must add up to 100%, not {shown}%"


@pytest.mark.parametrize(
	"percentages, row", [([100, 0], 2), ([120, -20], 2), ([None, 100], 1), ([float("nan"), 100], 1)]
)
def test_each_member_must_own_more_than_zero(percentages, row):
	with pytest.raises(RuleError, match="must be greater than 0") as err:
		validate_ownership(percentages)
	assert err.value.args == (row,)


def test_ownership_needs_a_member_and_accepts_any_iterable():
	with pytest.raises(RuleError, match="at least one member"):
		validate_ownership([])
	validate_ownership(p for p in (25, 75))
	validate_ownership(["40", "60"])


def test_management_type_required_for_llc():
	assert validate_management_type(LLC, MEMBER_MANAGED) == MEMBER_MANAGED
	assert validate_management_type(LLC, f" {MANAGER_MANAGED} ") == MANAGER_MANAGED
	for bad in (None, "", "Board-managed", "member-managed"):
		with pytest.raises(RuleError) as err:
			validate_management_type(LLC, bad)
		assert str(err.value) == "An LLC must be Member-managed or Manager-managed"


@pytest.mark.parametrize("entity_type", [e for e in ENTITY_TYPES if e != LLC])
def test_only_llcs_have_a_management_type(entity_type):
	assert validate_management_type(entity_type, None) is None
	assert validate_management_type(entity_type, "  ") is None
	with pytest.raises(RuleError, match=f"Only an LLC has a management type; clear it for a {entity_type}"):
		validate_management_type(entity_type, MEMBER_MANAGED)


def test_unknown_entity_type():
	validate_entity_type(LLC)
	for bad in ("Partnership", "llc", None):
		with pytest.raises(RuleError, match="Unknown entity type"):
			validate_entity_type(bad)
		with pytest.raises(RuleError, match="Unknown entity type"):
			validate_management_type(bad, MEMBER_MANAGED)


def test_service_types_and_add_ons():
	assert len(SERVICE_TYPES) == 7
	assert "Breach Response Plan" in SERVICE_TYPES
	assert ADD_ONS == (OPERATING_AGREEMENT, EIN, REGISTERED_AGENT)
	for service in SERVICE_TYPES:
		validate_service_type(service)
	with pytest.raises(RuleError, match="Unknown compliance service HIPAA Audit"):
		validate_service_type("HIPAA Audit")


def test_validate_add_ons():
	validate_add_ons([])
	validate_add_ons([EIN, REGISTERED_AGENT])
	with pytest.raises(RuleError, match="Unknown add-on Logo"):
		validate_add_ons([EIN, "Logo"])
	with pytest.raises(RuleError, match="Add-on EIN is listed twice"):
		validate_add_ons([EIN, OPERATING_AGREEMENT, EIN])


@pytest.mark.parametrize(
	"base, add_ons, total",
	[
		(299, [], 299.0),
		(299, [99, 79, 125], 602.0),
		(0.1, [0.2], 0.3),
		(10.005, [], 10.01),  # half-up on the decimal value, not the binary float
		(1.115, [1.115], 2.23),
		(None, [50], 50.0),
		(100, [None, 0], 100.0),
	],
)
def test_order_total_is_rounded_to_cents(base, add_ons, total):
	result = order_total(base, add_ons)
	assert result == total
	assert isinstance(result, float)


@pytest.mark.parametrize("base, add_ons", [(-1, []), (100, [-0.01]), ("abc", []), (100, [float("inf")])])
def test_order_total_rejects_negative_or_non_numeric_prices(base, add_ons):
	with pytest.raises(RuleError, match="prices must be numbers of 0 or more"):
		order_total(base, add_ons)


@pytest.mark.parametrize("raw", [None, "", "   \n"])
def test_empty_intake_data_is_an_empty_dict(raw):
	assert parse_intake_data(raw) == {}


def test_intake_data_object_and_dict_input():
	data = {"company_name": "Acme LLC", "members": [{"name": "Ann", "share": 100}]}
	assert parse_intake_data(json.dumps(data)) == data
	copy = parse_intake_data(data)
	assert copy == data and copy is not data
	assert parse_intake_data("{}") == {}


@pytest.mark.parametrize("raw", ["{", "{'a': 1}", '{"a": 1,}', "not json", '{"a": 1} trailing'])
def test_invalid_json_names_the_problem_and_position(raw):
	with pytest.raises(RuleError) as err:
		parse_intake_data(raw)
	assert err.value.template == "Intake data is not valid JSON: {0} (line {1}, column {2})"
	assert str(err.value).startswith("Intake data is not valid JSON: ")


@pytest.mark.parametrize(
	"raw, kind",
	[("[1, 2]", "array"), ('"text"', "string"), ("42", "number"), ("true", "boolean"), ("null", "null")],
)
def test_intake_json_must_be_an_object(raw, kind):
	with pytest.raises(RuleError) as err:
		parse_intake_data(raw)
	assert str(err.value) == f"Intake data must be a JSON object, got {kind}"


def test_intake_data_of_another_python_type():
	with pytest.raises(RuleError, match="got list"):
		parse_intake_data([("a", 1)])
