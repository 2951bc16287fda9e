"""Which ERPNext Customer stands behind a CRM Lead, CRM Deal or HD Ticket.

The resolver walks levels in a fixed order and stops at the first level that yields exactly one
customer. Two or more candidates at one level are never guessed between. Candidate lookups are
passed in as callables so a level's query only runs when every earlier level came up empty.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

EXPLICIT = "explicit"
CONTACT = "contact"
EMAIL = "email"
NAME = "name"
LEVELS = (EXPLICIT, CONTACT, EMAIL, NAME)


class AmbiguousCustomer(Exception):
	def __init__(self, level: str, candidates: list[str]):
		self.level = level
		self.candidates = candidates
		super().__init__(level, candidates)


@dataclass(frozen=True)
class Resolution:
	customer: str | None = None
	level: str | None = None
	candidates: tuple[str, ...] = field(default_factory=tuple)

	@property
	def found(self) -> bool:
		return self.customer is not None


def normalize_name(value: str | None) -> str:
	"""Trimmed, case-folded, whitespace-collapsed form used to compare names."""
	return " ".join((value or "").casefold().split())


def unique(values: Iterable[str | None]) -> list[str]:
	"""Distinct non-empty values in first-seen order."""
	seen = {}
	for value in values:
		if value and value not in seen:
			seen[value] = True
	return list(seen)


def resolve(levels: Iterable[tuple[str, Callable[[], Iterable[str | None]]]]) -> Resolution:
	"""Run `(level, fetch_candidates)` pairs in order; first level with exactly one customer wins.

	Raises AmbiguousCustomer when a level yields several customers.
	"""
	for level, fetch in levels:
		candidates = unique(fetch())
		if len(candidates) == 1:
			return Resolution(candidates[0], level, tuple(candidates))
		if len(candidates) > 1:
			raise AmbiguousCustomer(level, candidates)
	return Resolution()


def customers_matching_names(
	names: Iterable[str | None], customers: Iterable[tuple[str, str | None]]
) -> list[str]:
	"""Customers (name, customer_name) whose normalized customer_name equals one of `names`."""
	wanted = {normalize_name(n) for n in names} - {""}
	if not wanted:
		return []
	return unique(name for name, customer_name in customers if normalize_name(customer_name) in wanted)


def search_token(names: Iterable[str | None]) -> list[str]:
	"""The longest word of each name: a cheap LIKE pre-filter before the exact comparison."""
	tokens = []
	for name in names:
		words = normalize_name(name).split()
		if words:
			tokens.append(max(words, key=len))
	return unique(tokens)
