"""Validation rules of Formation Orders and Compliance Services."""

import json
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from crm_order_extension.core.errors import RuleError, _

LLC = "LLC"
# As the Formation Order issue names them.
ENTITY_TYPES = (LLC, "Corporation", "Nonprofit")
MEMBER_MANAGED = "Member-managed"
MANAGER_MANAGED = "Manager-managed"
MANAGEMENT_TYPES = (MEMBER_MANAGED, MANAGER_MANAGED)

SERVICE_TYPES = (
	"FLSA Audit",
	"CCPA Audit",
	"TCPA Audit",
	"Contractor Assessment",
	"Handbook Review",
	"Breach Response Plan",
	"Privacy Policy",
)

OPERATING_AGREEMENT = "Operating Agreement"
EIN = "EIN"
REGISTERED_AGENT = "Registered Agent"
ADD_ONS = (OPERATING_AGREEMENT, EIN, REGISTERED_AGENT)

# The 50 states plus DC, where the firm forms entities. Territories (PR, GU, VI, ...) have their
# own registries and are not offered, so their codes are rejected.
US_STATES = {
	"AL": "Alabama",
	"AK": "Alaska",
	"AZ": "Arizona",
	"AR": "Arkansas",
	"CA": "California",
	"CO": "Colorado",
	"CT": "Connecticut",
	"DE": "Delaware",
	"DC": "District of Columbia",
	"FL": "Florida",
	"GA": "Georgia",
	"HI": "Hawaii",
	"ID": "Idaho",
	"IL": "Illinois",
	"IN": "Indiana",
	"IA": "Iowa",
	"KS": "Kansas",
	"KY": "Kentucky",
	"LA": "Louisiana",
	"ME": "Maine",
	"MD": "Maryland",
	"MA": "Massachusetts",
	"MI": "Michigan",
	"MN": "Minnesota",
	"MS": "Mississippi",
	"MO": "Missouri",
	"MT": "Montana",
	"NE": "Nebraska",
	"NV": "Nevada",
	"NH": "New Hampshire",
	"NJ": "New Jersey",
	"NM": "New Mexico",
	"NY": "New York",
	"NC": "North Carolina",
	"ND": "North Dakota",
	"OH": "Ohio",
	"OK": "Oklahoma",
	"OR": "Oregon",
	"PA": "Pennsylvania",
	"RI": "Rhode Island",
	"SC": "South Carolina",
	"SD": "South Dakota",
	"TN": "Tennessee",
	"TX": "Texas",
	"UT": "Utah",
	"VT": "Vermont",
	"VA": "Virginia",
	"WA": "Washington",
	"WV": "West Virginia",
	"WI": "Wisconsin",
	"WY": "Wyoming",
}
US_STATE_CODES = tuple(US_STATES)

OWNERSHIP_TOTAL = Decimal(100)
# Three equal members own 33.33% each: 99.99 must pass, so the tolerance is inclusive.
OWNERSHIP_TOLERANCE = Decimal("0.01")
_CENT = Decimal("0.01")


def validate_state(code: str | None) -> str:
	"""The state code, trimmed and upper-cased (" ca" → "CA"); RuleError if not a state or DC."""
	normalized = (code or "").strip().upper()
	if normalized not in US_STATES:
		raise RuleError(_("{0} is not a US state code (two letters, e.g. DE or CA)"), code)
	return normalized


def _decimal(value: object) -> Decimal | None:
	# Via str() so 33.33 stays 33.33 instead of its binary float expansion.
	try:
		return Decimal(str(value))
	except (ArithmeticError, ValueError):
		return None


def validate_ownership(percentages: Iterable[float | None]) -> None:
	"""At least one member, each owning more than 0%, together 100% (± 0.01)."""
	values = list(percentages)
	if not values:
		raise RuleError(_("Add at least one member"))
	total = Decimal(0)
	for row, value in enumerate(values, start=1):
		amount = None if value is None else _decimal(value)
		if amount is None or not amount.is_finite() or amount <= 0:
			raise RuleError(_("Row {0}: ownership percentage must be greater than 0"), row)
		total += amount
	if abs(total - OWNERSHIP_TOTAL) > OWNERSHIP_TOLERANCE:
		raise RuleError(_("Ownership percentages must add up to 100%, not {0}%"), f"{total.normalize():f}")


def validate_entity_type(entity_type: str | None) -> None:
	if entity_type not in ENTITY_TYPES:
		raise RuleError(_("Unknown entity type {0}. Valid values: {1}"), entity_type, ", ".join(ENTITY_TYPES))


def validate_management_type(entity_type: str | None, management_type: str | None) -> str | None:
	"""The management type to store: required for an LLC, must be empty for anything else."""
	validate_entity_type(entity_type)
	management_type = (management_type or "").strip() or None
	if entity_type == LLC:
		if management_type not in MANAGEMENT_TYPES:
			raise RuleError(_("An LLC must be {0}"), " or ".join(MANAGEMENT_TYPES))
		return management_type
	if management_type:
		raise RuleError(_("Only an LLC has a management type; clear it for a {0}"), entity_type)
	return None


def validate_service_type(service_type: str | None) -> None:
	if service_type not in SERVICE_TYPES:
		raise RuleError(
			_("Unknown compliance service {0}. Valid values: {1}"), service_type, ", ".join(SERVICE_TYPES)
		)


def validate_add_ons(add_ons: Iterable[str]) -> None:
	"""Each add-on known and bought at most once."""
	seen = set()
	for add_on in add_ons:
		if add_on not in ADD_ONS:
			raise RuleError(_("Unknown add-on {0}. Valid values: {1}"), add_on, ", ".join(ADD_ONS))
		if add_on in seen:
			raise RuleError(_("Add-on {0} is listed twice"), add_on)
		seen.add(add_on)


def order_total(base_fee: float | None, add_on_prices: Iterable[float | None]) -> float:
	"""Base fee plus add-ons, rounded half-up to cents; a negative price is an error."""
	total = Decimal(0)
	for price in (base_fee, *add_on_prices):
		amount = _decimal(price or 0)
		if amount is None or not amount.is_finite() or amount < 0:
			raise RuleError(_("Invalid price {0}: prices must be numbers of 0 or more"), price)
		total += amount
	return float(total.quantize(_CENT, rounding=ROUND_HALF_UP))


def parse_intake_data(raw: str | Mapping | None) -> dict:
	"""Intake form answers as a dict: JSON text must be an object; None or blank text is {}."""
	if raw is None:
		return {}
	if isinstance(raw, Mapping):
		return dict(raw)
	if not isinstance(raw, str):
		raise RuleError(_("Intake data must be a JSON object, got {0}"), type(raw).__name__)
	if not raw.strip():
		return {}
	try:
		data = json.loads(raw)
	except json.JSONDecodeError as e:
		raise RuleError(
			_("Intake data is not valid JSON: {0} (line {1}, column {2})"), e.msg, e.lineno, e.colno
		)
	if not isinstance(data, dict):
		raise RuleError(_("Intake data must be a JSON object, got {0}"), _json_kind(data))
	return data


def _json_kind(value: object) -> str:
	# JSON's own type names: technical terms, left untranslated in the message.
	if isinstance(value, list):
		return "array"
	if isinstance(value, str):
		return "string"
	if isinstance(value, bool):
		return "boolean"
	if value is None:
		return "null"
	return "number"
