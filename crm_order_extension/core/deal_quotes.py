"""Rules for a deal's quotations, its stock and the status moves they cause (frappe-free).

* A quotation shows as Draft, Open, Ordered, Lost or Expired: ERPNext's Replied counts as Open,
  Partially Ordered as Ordered, and an open quotation past its valid-till date is Expired at once
  (ERPNext's daily job marks it later).
* Stock: each product line takes what is available of its item (lines of one item in their
  order), then open supplies (Work Orders by planned end, Purchase Orders by schedule date) in
  date order. It can ship today when the stock covers it, else on the date of the supply that
  covers its shortfall (never before today), else it has no date.
* A status rule moves the deal to its chosen status once per event, never onto the same status,
  and never over a Won or Lost status the user set after the rule's own last move.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

FINAL_TYPES = ("Won", "Lost")

OPEN = "Open"
ORDERED = "Ordered"
LOST = "Lost"
EXPIRED = "Expired"
DRAFT = "Draft"
CANCELLED = "Cancelled"

_STATES = {
	"Open": OPEN,
	"Replied": OPEN,
	"Ordered": ORDERED,
	"Partially Ordered": ORDERED,
	"Lost": LOST,
	"Expired": EXPIRED,
}


def quotation_state(status: str | None, docstatus: int, valid_till: date | None, today: date) -> str:
	"""What a deal shows for a quotation (ERPNext status, docstatus, valid till)."""
	if int(docstatus or 0) == 0:
		return DRAFT
	if int(docstatus) == 2:
		return CANCELLED
	state = _STATES.get(status or "", OPEN)
	if state == OPEN and valid_till and valid_till < today:
		return EXPIRED
	return state


def is_final(status: str | None, status_type: str | None) -> bool:
	"""A Won or Lost deal status: by its type (CRM Deal Status.type), else by its name."""
	if status_type:
		return status_type in FINAL_TYPES
	return (status or "") in FINAL_TYPES


def should_move(
	current: str | None,
	current_is_final: bool,
	target: str | None,
	current_set_at=None,
	last_rule_move_at=None,
	event_seen: bool = False,
) -> bool:
	"""Whether a rule moves the deal from `current` to `target`.

	`current_set_at`: when the deal got its current status (its status log), `last_rule_move_at`:
	the rules' own last move of the deal, `event_seen`: this event already moved it once."""
	if not target or event_seen or current == target:
		return False
	if current_is_final:
		# A Won/Lost set by the user after the rules' last move (or with no rule move at all) stays.
		if last_rule_move_at is None or current_set_at is None or current_set_at > last_rule_move_at:
			return False
	return True


def orders_paid(orders: Iterable[Mapping], invoices: Iterable[Mapping]) -> bool:
	"""Every submitted order (name, per_billed) billed 100 % and every submitted invoice of them
	(outstanding_amount) paid; at least one order."""
	orders = list(orders)
	if not orders:
		return False
	if any(float(o.get("per_billed") or 0) < 99.99 for o in orders):
		return False
	return all(float(i.get("outstanding_amount") or 0) <= 0.005 for i in invoices)


def paid_event(orders: Iterable[Mapping]) -> str:
	"""The event a rule moves once for: this set of paid orders (hashed when long)."""
	event = "paid:" + ",".join(sorted(o["name"] for o in orders))
	return event if len(event) <= 140 else "paid:#" + hashlib.sha1(event.encode()).hexdigest()


@dataclass(frozen=True)
class Supply:
	item_code: str
	qty: float
	on: date
	source: str  # "Work Order" / "Purchase Order"
	name: str


@dataclass
class LineStock:
	item_code: str
	qty: float
	available: float
	projected: float
	ship_date: date | None
	shortfall: float
	source: str | None = None  # the supply that covers the shortfall
	source_name: str | None = None


def line_stock(
	lines: Iterable[Mapping],
	stock: Mapping[str, Mapping],
	supplies: Iterable[Supply],
	today: date,
) -> list[LineStock]:
	"""Stock and earliest ship date of each line (item_code, qty); `stock`: per item its summed
	`actual_qty` and `projected_qty` over the company's warehouses."""
	pools = {code: max(float(s.get("actual_qty") or 0), 0.0) for code, s in stock.items()}
	queues: dict[str, list[list]] = {}
	for supply in sorted(supplies, key=lambda s: (s.on, s.name)):
		if supply.qty > 0:
			queues.setdefault(supply.item_code, []).append([supply, float(supply.qty)])
	result = []
	for line in lines:
		code = line.get("item_code")
		qty = float(line.get("qty") or 0)
		item_stock = stock.get(code) or {}
		free = pools.get(code, 0.0)
		taken = min(free, qty)
		pools[code] = free - taken
		shortfall = qty - taken
		row = LineStock(
			item_code=code,
			qty=qty,
			available=float(item_stock.get("actual_qty") or 0),
			projected=float(item_stock.get("projected_qty") or 0),
			ship_date=today if shortfall <= 0 else None,
			shortfall=max(shortfall, 0.0),
		)
		if shortfall > 0:
			row.ship_date, row.source, row.source_name = _cover(queues.get(code, []), shortfall, today)
		result.append(row)
	return result


def _cover(queue: list[list], shortfall: float, today: date):
	"""Take `shortfall` from the item's supplies in date order: the date of the one that covers
	it, or None (and nothing taken) when they cannot."""
	if sum(rest for _supply, rest in queue) < shortfall:
		return None, None, None
	need = shortfall
	while need > 0:
		entry = queue[0]
		used = min(entry[1], need)
		entry[1] -= used
		need -= used
		supply = entry[0]
		if entry[1] <= 0:
			queue.pop(0)
	return max(supply.on, today), supply.source, supply.name


def short_lines(rows: Iterable[LineStock]) -> list[LineStock]:
	"""The lines the stock does not cover today."""
	return [r for r in rows if r.shortfall > 0]
