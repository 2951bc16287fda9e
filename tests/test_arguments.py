import pytest

from crm_order_extension.core import arguments
from crm_order_extension.core.errors import RuleError


def message(fn, *args, **kwargs) -> str:
	with pytest.raises(RuleError) as err:
		fn(*args, **kwargs)
	return str(err.value)


def test_text_strips_and_accepts_integer_names():
	assert arguments.text("  CRM-LEAD-1 ", "Lead") == "CRM-LEAD-1"
	assert arguments.text(42, "Ticket") == "42"
	assert arguments.text(None, "Lead", required=False) is None
	assert arguments.text("  ", "Lead", required=False) is None


@pytest.mark.parametrize("value", [None, "", "   "])
def test_text_missing(value):
	assert message(arguments.text, value, "Lead") == "Lead is required"


@pytest.mark.parametrize("value", [["a"], {"a": 1}, True, 1.5])
def test_text_refuses_lists_objects_booleans_and_fractions(value):
	assert message(arguments.text, value, "Lead") == "Lead must be a single text value"


def test_text_refuses_what_cannot_name_a_record():
	assert message(arguments.text, "x" * 141, "Lead") == "Lead is too long (at most 140 characters)"
	assert arguments.text("x" * 140, "Lead") == "x" * 140
	assert arguments.text("x" * 500, "Note", max_length=500)


@pytest.mark.parametrize(
	"value, expected", [(None, 20), ("", 20), (" 7 ", 7), (7, 7), (7.0, 7), ("+3", 3), ("0", 0)]
)
def test_integer_reads_digits_and_defaults(value, expected):
	assert arguments.integer(value, "page_length", 20) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", 1.5, True, [], {}, "1e3", "9" * 19, "x" * 100_000])
def test_integer_refuses_everything_else(value):
	assert message(arguments.integer, value, "start", 0) == "start must be a whole number"


def test_integer_bounds_are_named():
	assert message(arguments.integer, -1, "start", 0, minimum=0) == "start must be 0 or more"
	assert message(arguments.integer, 9, "n", 0, maximum=5) == "n must be 5 or less"
	assert (
		message(arguments.integer, "501", "page_length", 20, minimum=1, maximum=500)
		== "page_length must be between 1 and 500"
	)
	assert arguments.integer("500", "page_length", 20, minimum=1, maximum=500) == 500


@pytest.mark.parametrize(
	"value, expected",
	[
		(None, False),
		(True, True),
		(0, False),
		(1, True),
		("1", True),
		(" Yes", True),
		("false", False),
		("", False),
	],
)
def test_boolean(value, expected):
	assert arguments.boolean(value, "restart") is expected


def test_boolean_default_and_refusals():
	assert arguments.boolean(None, "restart", default=True) is True
	for value in ("abc", 2, [], {}, 1.0):
		assert message(arguments.boolean, value, "restart") == "restart must be true or false (1 or 0)"


def test_names_from_list_json_or_single_name():
	assert arguments.names(["A", " B "], "Entries") == ["A", "B"]
	assert arguments.names('["A", "B"]', "Entries") == ["A", "B"]
	assert arguments.names("A", "Entries") == ["A"]


@pytest.mark.parametrize("value", ["[1]", [1], [None], [["A"]], {"a": 1}, "[", 5, "[" * 100_000])
def test_names_refuses_non_names(value):
	assert message(arguments.names, value, "Entries") == "Entries must be a list of names"


@pytest.mark.parametrize("value", [None, [], "[]", ""])
def test_names_missing(value):
	assert message(arguments.names, value, "Entries") == "Entries is required"


def test_names_limits_count_and_length():
	assert message(arguments.names, ["A"] * 1001, "Entries") == "Entries: at most 1000 at a time"
	assert "too long" in message(arguments.names, ["x" * 200], "Entries")


def test_message_template_stays_translatable():
	with pytest.raises(RuleError) as err:
		arguments.integer("x", "start", 0)
	assert err.value.template == "{0} must be a whole number"
	assert err.value.args == ("start",)
