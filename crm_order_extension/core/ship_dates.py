"""When will it ship? An expected ship date per order line, its standing against the promised
delivery date, and the summary a lead, deal or ticket shows at a glance.

Pure functions over plain dicts and dates: the Frappe adapter fetches the lines, their latest
Work Orders and stock, and stores what these return.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

ON_TIME = "On time"
AT_RISK = "At risk"
LATE = "Late"
SHIPPED = "Shipped"
SHIP_STATUSES = (ON_TIME, AT_RISK, LATE, SHIPPED)

# Reasons, in the words a production manager uses; translated by the adapter.
NOT_STARTED = "Work Order not started"
BEHIND_PLAN = "Work Order behind plan"
OUT_OF_STOCK = "material out of stock"
OPS_BLOCKED = "operations blocked"
QA_REJECTED = "QA rejected"
PAST_DELIVERY = "delivery date passed"
NO_STOCK = "not in stock and no Work Order"
REASONS = (NOT_STARTED, BEHIND_PLAN, OUT_OF_STOCK, OPS_BLOCKED, QA_REJECTED, PAST_DELIVERY, NO_STOCK)

# A line due this close to its expected ship date is at risk.
AT_RISK_DAYS = 2
CLOSED_ORDER_STATUSES = ("Completed", "Closed", "Cancelled")
DONE_WORK_ORDER_STATUSES = ("Completed", "Stopped", "Closed")


def as_date(value) -> date | None:
	"""A date from a date, datetime or ISO text (as Frappe returns them); None when empty."""
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def expected_ship(
	line: Mapping, work_order: Mapping | None, in_stock: bool, today: date, delivered_qty: float | None = None
) -> dict:
	"""`expected_ship_date`, `ship_status` and `ship_reason` of one history line.

	With a Work Order: its planned end, moved by the days it is late to start (not started past its
	planned start); blocked stages make the line at risk. Without one: in stock at the order's
	warehouse ships by the delivery date. Compared with the line's delivery date: On time, At risk
	(blocked, or within AT_RISK_DAYS of it) or Late. Delivered lines and closed orders are Shipped.
	"""
	delivery = as_date(line.get("delivery_date"))
	qty = float(line.get("qty") or 0)
	delivered = float(line.get("delivered_qty") or 0) if delivered_qty is None else float(delivered_qty)
	if line.get("order_status") in CLOSED_ORDER_STATUSES or (qty and delivered >= qty):
		return {"expected_ship_date": None, "ship_status": SHIPPED, "ship_reason": None}

	reasons: list[str] = []
	expected, in_production = None, False
	if work_order:
		done = work_order.get("status") in DONE_WORK_ORDER_STATUSES or (
			line.get("production_status") == "DONE" and line.get("qa_status") == "APPROVED"
		)
		if done:
			expected = today
		else:
			in_production = True
			planned_start = as_date(work_order.get("planned_start_date"))
			planned_end = as_date(work_order.get("planned_end_date")) or planned_start
			expected = planned_end or delivery or today
			not_started = work_order.get("status") in (None, "", "Draft", "Not Started") and line.get(
				"production_status"
			) in (None, "", "PENDING")
			if not_started and planned_start and today > planned_start:
				expected += today - planned_start  # the days it is late to start
				reasons.append(NOT_STARTED)
			elif planned_end and today > planned_end:
				expected = today + timedelta(days=1)
				reasons.append(BEHIND_PLAN)
			reasons += [
				reason
				for stage, value, reason in (
					("material_status", "OUT_OF_STOCK", OUT_OF_STOCK),
					("ops_status", "BLOCKED", OPS_BLOCKED),
					("qa_status", "REJECTED", QA_REJECTED),
				)
				if line.get(stage) == value
			]
	elif in_stock:
		expected = max(delivery, today) if delivery else today
	else:
		reasons.append(NO_STOCK)

	if delivery and today > delivery:
		status = LATE
		reasons = reasons or [PAST_DELIVERY]
	elif expected and delivery and expected > delivery:
		status = LATE
	elif reasons:
		status = AT_RISK
	elif in_production and delivery and (delivery - expected).days < AT_RISK_DAYS:
		status = AT_RISK
	else:
		status = ON_TIME
	return {
		"expected_ship_date": expected,
		"ship_status": status,
		"ship_reason": ", ".join(dict.fromkeys(reasons)) or None,
	}


def calendar_change(
	line: Mapping, work_order: Mapping | None, in_stock: bool, today: date, delivered_qty: float | None = None
) -> date | None:
	"""The first day after `today` on which the calendar alone changes what `expected_ship` says of
	this line, or moves it out of the summary's "next ship" (its expected date passes); None when
	nothing will (shipped). The daily refresh recomputes a history only on that day.

	`expected_ship` is constant between the dates it compares `today` with (delivery, planned start
	and end, the expected date itself), so the answer is tomorrow or the day after one of them."""
	base = expected_ship(line, work_order, in_stock, today, delivered_qty)
	if base["ship_status"] == SHIPPED:
		return None
	dates = [as_date(line.get("delivery_date")), base["expected_ship_date"]]
	if work_order:
		dates += [as_date(work_order.get("planned_start_date")), as_date(work_order.get("planned_end_date"))]
	tomorrow = today + timedelta(days=1)
	candidates = sorted({tomorrow} | {d + timedelta(days=1) for d in dates if d and d >= today})
	passes = base["expected_ship_date"] + timedelta(days=1) if base["expected_ship_date"] else None
	for day in candidates:
		if passes and day >= passes:
			return passes
		if expected_ship(line, work_order, in_stock, day, delivered_qty) != base:
			return day
	return passes


def summarize(rows: Iterable[Mapping], today: date) -> dict:
	"""What a record shows at a glance: open orders, the next expected ship date, late lines and
	lines waiting for QA, and the newest order's status (rows come newest order first)."""
	rows = list(rows)
	open_rows = [
		r
		for r in rows
		if r.get("ship_status") != SHIPPED and r.get("order_status") not in CLOSED_ORDER_STATUSES
	]
	upcoming = [
		d for d in (as_date(r.get("expected_ship_date")) for r in open_rows) if d is not None and d >= today
	]
	return {
		"open_orders": len({r["sales_order"] for r in open_rows}),
		"next_ship_date": min(upcoming) if upcoming else None,
		"late_lines": sum(1 for r in open_rows if r.get("ship_status") == LATE),
		"at_risk_lines": sum(1 for r in open_rows if r.get("ship_status") == AT_RISK),
		"qa_pending": sum(1 for r in open_rows if r.get("work_order") and r.get("qa_status") == "AWAITING"),
		"latest_order_status": rows[0].get("order_status") if rows else None,
	}


def summary_parts(summary: Mapping) -> list[tuple[str, tuple]]:
	"""The summary as (message template, arguments) pairs for the adapter to translate and join,
	e.g. "3 open orders · next ship 12 Dec · 1 line late · QA pending on 2"."""
	parts: list[tuple[str, tuple]] = []
	if not summary.get("open_orders"):
		return [("No open orders", ())]
	count = summary["open_orders"]
	parts.append(("1 open order", ()) if count == 1 else ("{0} open orders", (count,)))
	if summary.get("next_ship_date"):
		parts.append(("next ship {0}", (summary["next_ship_date"],)))
	late = summary.get("late_lines") or 0
	if late:
		parts.append(("1 line late", ()) if late == 1 else ("{0} lines late", (late,)))
	qa = summary.get("qa_pending") or 0
	if qa:
		parts.append(("QA pending on {0}", (qa,)))
	return parts
