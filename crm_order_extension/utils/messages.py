"""Messages of the frappe-free core for the user."""

from frappe import _

from crm_order_extension.core.errors import RuleError


def rule_message(err: RuleError) -> str:
	"""A core rule's message in the user's language: the template is translated, then formatted
	(core/errors.py: translating the formatted text would never match the catalogue)."""
	return _(err.template).format(*err.args)
