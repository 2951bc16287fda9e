"""Claim rows by a pending column without deadlocking against another claimer.

A claim empties the row's pending column (`due`). An `UPDATE … WHERE due <= now` scans the index
on `due` and locks the index range it reads; NULLs sort first in that index, so every row another
sweep has just claimed lands inside the range this one locks, and two sweeps (or a sweep and a
save moving a ticket's entry) can wait on each other: InnoDB kills one and rolls its whole
transaction back. So the claim is made in two steps instead:

1. a plain SELECT of the candidates' names by the index — a consistent read, no locks;
2. per batch, `UPDATE … WHERE name IN (batch) AND <the same condition>`: row locks by primary key
   only, taken in name order by every claimer, so claimers queue instead of deadlocking; the
   condition is evaluated again on the locked, newest version of each row, so a row another sweep
   claimed in the meantime no longer matches and each crossing is still claimed exactly once.
"""

import frappe

BATCH = 1000


def claim_by_name(table, condition, assignments: list[tuple]) -> int:
	"""Set `assignments` ([(column, value or term)]) on the rows of `table` matching `condition`
	(which must stop matching once they are set); return how many candidates were found."""
	names = frappe.qb.from_(table).select(table.name).where(condition).orderby(table.name).run(pluck=True)
	for start in range(0, len(names), BATCH):
		query = frappe.qb.update(table)
		for column, value in assignments:
			query = query.set(column, value)
		query.where(table.name.isin(names[start : start + BATCH]) & condition).run()
	return len(names)
