"""The one exception the core raises for rule violations a user should read.

The message is an untranslated English format string plus its arguments, so a Frappe adapter
can translate the template before formatting: `frappe.throw(_(e.template).format(*e.args))`.
Translating after formatting would never match the translation catalogue.

Core modules write each template as `_("literal")` with the no-op marker `_` below: Frappe's
translation extractor (babel's `extract_python`, keywords `_` and `_lt`) finds the literals by that
call, so they reach the app's catalogue, while the core stays free of Frappe.
"""


def _(message: str) -> str:
	"""Marks `message` as a translatable template; returns it unchanged (the adapter translates)."""
	return message


class RuleError(ValueError):
	"""A business rule was broken; `str()` is the formatted English message."""

	def __init__(self, template: str, *args: object):
		super().__init__(*args)
		self.template = template

	def __str__(self) -> str:
		return self.template.format(*self.args)

	def __repr__(self) -> str:
		return f"{type(self).__name__}({self.template!r}, {', '.join(map(repr, self.args))})"

	def __reduce__(self):
		# Default exception pickling would pass only `args` back and lose the template.
		return (type(self), (self.template, *self.args))

	@property
	def message(self) -> str:
		return str(self)
