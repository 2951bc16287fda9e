"""US taxpayer numbers (SSN, EIN, ITIN): what a valid number looks like and how it is shown masked.

Messages never contain the number itself, so neither a refused save nor a log can leak it; and the
variables holding it are named `secret...`, which Frappe's Error Log redacts from the local
variables it records with a traceback.
"""

import hashlib

from crm_order_extension.core.errors import RuleError, _

SSN = "SSN"
EIN = "EIN"
ITIN = "ITIN"
ID_TYPES = (SSN, EIN, ITIN)

LENGTH = 9
SEPARATORS = frozenset("- ")

# IRS campus prefixes of an EIN (the first two digits), as the IRS publishes them.
EIN_PREFIXES = frozenset(
	f"{n:02d}"
	for low, high in (
		(1, 6),
		(10, 16),
		(20, 27),
		(30, 39),
		(40, 48),
		(50, 68),
		(71, 77),
		(80, 88),
		(90, 95),
		(98, 99),
	)
	for n in range(low, high + 1)
)

# The 4th and 5th digits of an ITIN.
ITIN_GROUPS = frozenset(
	f"{n:02d}" for low, high in ((50, 65), (70, 88), (90, 92), (94, 99)) for n in range(low, high + 1)
)


def check_type(id_type: str | None) -> str:
	if id_type not in ID_TYPES:
		raise RuleError(_("Unknown ID type {0}. Valid values: {1}"), id_type, ", ".join(ID_TYPES))
	return id_type


def digits_of(id_type: str, secret: str | None) -> str:
	"""The 9 digits of a number typed with or without dashes and spaces."""
	check_type(id_type)
	secret_text = secret if isinstance(secret, str) else ""
	secret_digits = "".join(ch for ch in secret_text if ch not in SEPARATORS)
	if not secret_digits:
		raise RuleError(_("Enter the {0}"), id_type)
	if not (secret_digits.isascii() and secret_digits.isdigit()) or len(secret_digits) != LENGTH:
		raise RuleError(_("An {0} has 9 digits (dashes and spaces are allowed)"), id_type)
	return secret_digits


def normalize(id_type: str, secret: str | None) -> str:
	"""The number as its 9 digits, or RuleError saying which rule it breaks (without the number)."""
	secret_digits = digits_of(id_type, secret)
	if id_type == SSN:
		if secret_digits[:3] in ("000", "666") or secret_digits.startswith("9"):
			raise RuleError(_("This SSN is not valid: it cannot start with 000, 666 or 9"))
		if secret_digits[3:5] == "00":
			raise RuleError(_("This SSN is not valid: its 4th and 5th digits cannot be 00"))
		if secret_digits[5:] == "0000":
			raise RuleError(_("This SSN is not valid: its last four digits cannot be 0000"))
	elif id_type == EIN:
		if secret_digits[:2] not in EIN_PREFIXES:
			raise RuleError(_("This EIN is not valid: its first two digits are not an IRS campus prefix"))
	elif id_type == ITIN:
		if not secret_digits.startswith("9"):
			raise RuleError(_("This ITIN is not valid: an ITIN starts with 9"))
		if secret_digits[3:5] not in ITIN_GROUPS:
			raise RuleError(
				_("This ITIN is not valid: its 4th and 5th digits must be 50-65, 70-88, 90-92 or 94-99")
			)
	return secret_digits


def mask(id_type: str, secret_digits: str) -> str:
	"""What may be shown: the last four digits only (`***-**-1234`, EIN `**-***1234`)."""
	check_type(id_type)
	last4 = (secret_digits or "")[-4:]
	return f"**-***{last4}" if id_type == EIN else f"***-**-{last4}"


def normalize_entity(id_type: str, entity_name: str | None) -> str:
	"""The entity an EIN belongs to, trimmed; SSNs and ITINs belong to a person, not an entity."""
	if id_type != EIN:
		return ""
	return " ".join((entity_name or "").split())


def record_key(customer: str, id_type: str, entity_name: str | None = None) -> str:
	"""One record per customer, type and entity (case-insensitive): a fixed-length unique key."""
	check_type(id_type)
	entity = normalize_entity(id_type, entity_name).casefold()
	raw = "\x1f".join(((customer or "").strip(), id_type, entity))
	return hashlib.sha256(raw.encode()).hexdigest()
