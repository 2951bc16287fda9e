"""Daily SLA performance figures from logged response cycles."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from statistics import median

FULFILLED = "Fulfilled"
FAILED = "Failed"
RUNNING = "Running"


def _day(value) -> date:
	return value.date() if isinstance(value, datetime) else value


def daily_rows(cycles: Iterable[Mapping], start: date, end: date) -> list[dict]:
	"""One row per day from `start` to `end`: leads whose cycle started that day, cycles fulfilled,
	failed and pending, fulfilment % of the decided ones and the median first-response time
	(seconds) of the answered ones. Superseded cycles count only towards leads."""
	by_day = defaultdict(lambda: {"leads": set(), FULFILLED: 0, FAILED: 0, RUNNING: 0, "times": []})
	for cycle in cycles:
		day = _day(cycle["cycle_start"])
		if not start <= day <= end:
			continue
		bucket = by_day[day]
		bucket["leads"].add(cycle["parent"])
		outcome = cycle.get("outcome")
		if outcome in (FULFILLED, FAILED, RUNNING):
			bucket[outcome] += 1
		if outcome in (FULFILLED, FAILED) and cycle.get("first_response_time") is not None:
			bucket["times"].append(float(cycle["first_response_time"]))
	rows = []
	day = start
	while day <= end:
		bucket = by_day.get(day)
		decided = (bucket[FULFILLED] + bucket[FAILED]) if bucket else 0
		rows.append(
			{
				"date": day,
				"leads": len(bucket["leads"]) if bucket else 0,
				"fulfilled": bucket[FULFILLED] if bucket else 0,
				"failed": bucket[FAILED] if bucket else 0,
				"pending": bucket[RUNNING] if bucket else 0,
				"fulfilment_pct": round(100.0 * bucket[FULFILLED] / decided, 1) if decided else None,
				"median_first_response": median(bucket["times"]) if bucket and bucket["times"] else None,
			}
		)
		day += timedelta(days=1)
	return rows
