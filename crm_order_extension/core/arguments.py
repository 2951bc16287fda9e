"""Reading the arguments of the app's HTTP endpoints.

A form or query string carries strings, a JSON body any JSON value. These turn what a caller sent
into the value an endpoint needs, or raise RuleError with a one-line message naming the argument
(the `label`, already translated by the caller).
"""

import json
import re

from crm_order_extension.core.errors import RuleError, _

# Record names are varchar(140); anything longer cannot name a record.
MAX_NAME_LENGTH = 140
# More names than a list view can select at once is not a request from the app's UI.
MAX_NAMES = 1000

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
_INTEGER = re.compile(r"[+-]?\d{1,18}")


def text(value, label: str, max_length: int = MAX_NAME_LENGTH, required: bool = True) -> str | None:
	"""A non-empty string (stripped); integers pass as their digits (HD Ticket names are integers)."""
	if isinstance(value, int) and not isinstance(value, bool):
		value = str(value)
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			raise RuleError(_("{0} is required"), label)
		return None
	if not isinstance(value, str):
		raise RuleError(_("{0} must be a single text value"), label)
	value = value.strip()
	if len(value) > max_length:
		raise RuleError(_("{0} is too long (at most {1} characters)"), label, max_length)
	return value


def integer(value, label: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
	"""A whole number, from an int or a string of digits; missing or empty gives `default`."""
	if value is None or (isinstance(value, str) and not value.strip()):
		value = default
	elif isinstance(value, float) and value.is_integer():
		value = int(value)
	elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
		value = int(value.strip())
	if isinstance(value, bool) or not isinstance(value, int):
		raise RuleError(_("{0} must be a whole number"), label)
	if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
		if maximum is None:
			raise RuleError(_("{0} must be {1} or more"), label, minimum)
		if minimum is None:
			raise RuleError(_("{0} must be {1} or less"), label, maximum)
		raise RuleError(_("{0} must be between {1} and {2}"), label, minimum, maximum)
	return value


def boolean(value, label: str, default: bool = False) -> bool:
	"""true/false, 1/0, yes/no, on/off (any case); missing gives `default`."""
	if value is None:
		return default
	if isinstance(value, bool):
		return value
	if isinstance(value, int) and value in (0, 1):
		return bool(value)
	if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
		return value.strip().lower() in TRUE
	raise RuleError(_("{0} must be true or false (1 or 0)"), label)


def names(value, label: str, max_items: int = MAX_NAMES) -> list[str]:
	"""Record names (strings): a list, a JSON array string (how frappe.call sends a list) or one
	name."""
	if isinstance(value, str) and value.strip().startswith("["):
		try:
			value = json.loads(value)
		except (ValueError, RecursionError):
			raise RuleError(_("{0} must be a list of names"), label)
	if isinstance(value, str):
		value = [value]
	if value is None or value == []:
		raise RuleError(_("{0} is required"), label)
	if not isinstance(value, list):
		raise RuleError(_("{0} must be a list of names"), label)
	if len(value) > max_items:
		raise RuleError(_("{0}: at most {1} at a time"), label, max_items)
	result = []
	for item in value:
		if not isinstance(item, str):
			raise RuleError(_("{0} must be a list of names"), label)
		result.append(text(item, label))
	return result
