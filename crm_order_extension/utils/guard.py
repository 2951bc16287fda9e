"""One step that must never fail what runs it (a lead's insert, a payment, an email pull, a batch).

    with guarded("coe_step", title=_("Step failed for {0}").format(name)) as guard:
        step()
    if guard.failed:
        ...  # optional: what the caller does after a failure

What the step wrote is rolled back to a savepoint taken just before it, the error goes to the Error
Log (with its traceback: it is logged inside the `except`), and the caller's own work stands.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import frappe


@dataclass
class Guard:
	"""The outcome of one guarded step: the error it raised (swallowed), if any."""

	error: BaseException | None = None

	@property
	def failed(self) -> bool:
		return self.error is not None


@contextmanager
def guarded(
	savepoint: str,
	title: str | None = None,
	*,
	catch: type[BaseException] | tuple[type[BaseException], ...] = Exception,
	expected: type[BaseException] | tuple[type[BaseException], ...] = (),
	**log,
) -> Iterator[Guard]:
	"""Run the block under `savepoint`; an error of type `catch` rolls the block back and is
	swallowed. It is logged under `title` (plus `log`: reference_doctype, reference_name), unless it
	is one of `expected` or there is no `title`: an outcome the caller handles itself. Anything else
	propagates."""
	guard = Guard()
	frappe.db.savepoint(savepoint)
	try:
		yield guard
	except catch as exc:
		frappe.db.rollback(save_point=savepoint)
		guard.error = exc
		if title and not isinstance(exc, expected):
			frappe.log_error(title=title, **log)
