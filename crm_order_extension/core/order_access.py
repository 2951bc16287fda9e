"""Who may see a customer's order history, and the field permission rules that follow from the
roles allowed in the settings."""

from collections.abc import Iterable

# Sales staff (ERPNext/CRM), Helpdesk agents and administrators.
DEFAULT_ROLES = ("Sales User", "Sales Manager", "Agent", "System Manager")


def may_see_history(
	user_roles: Iterable[str],
	allowed_roles: Iterable[str],
	reads_sales_orders: bool,
	customer: str | None = None,
	permitted_customers: Iterable[str] | None = None,
) -> bool:
	"""A user sees order histories when it may read Sales Orders or holds an allowed role; where
	its User Permissions restrict Customer (`permitted_customers` is not None), only the histories
	of those customers."""
	if not (reads_sales_orders or set(user_roles) & set(allowed_roles)):
		return False
	return not customer or permitted_customers is None or customer in set(permitted_customers)


def field_rule_changes(
	rules: Iterable[tuple[str, int]], grant: Iterable[str], revoke: Iterable[str], level: int
) -> tuple[list[str], list[str]]:
	"""The roles to give and to take a read rule at permission level `level` on one DocType.

	`rules` are the (role, permlevel) pairs of the DocType's permission rules. A role is given one
	only where it has a level-0 rule of its own: Frappe refuses a higher level without it, so a role
	that reads the DocType only through "All" cannot be given its higher-level fields. A role in
	both `grant` and `revoke` is revoked.
	"""
	rules = set(rules)
	revoke = set(revoke)
	level_zero = {role for role, permlevel in rules if permlevel == 0}
	to_grant = sorted(
		{role for role in grant if role not in revoke and role in level_zero and (role, level) not in rules}
	)
	to_revoke = sorted({role for role in revoke if (role, level) in rules})
	return to_grant, to_revoke
