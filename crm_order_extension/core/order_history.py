"""Order history rows: Sales Order lines joined with the stages of their latest Work Order.

Pure functions over plain dicts, so the Frappe adapter can fetch everything in a fixed number of
queries and this module does the joining, ordering and limiting.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from crm_order_extension.core.production import stage_values
from crm_order_extension.core.ship_dates import calendar_change, expected_ship

# Fields of a history row, in the child DocTypes' order.
ROW_FIELDS = (
	"sales_order",
	"transaction_date",
	"delivery_date",
	"order_status",
	"item_code",
	"item_name",
	"qty",
	"delivered_qty",
	"rate",
	"amount",
	"work_order",
	"ops_status",
	"material_status",
	"production_status",
	"qa_status",
	"expected_ship_date",
	"ship_status",
	"ship_reason",
)

# Inter-company chains are short (customer-facing company -> producing company); the bound stops
# a misconfigured loop of inter-company orders.
MAX_CHAIN_DEPTH = 3


def _newest_first_key(row: Mapping) -> tuple:
	return (str(row.get("transaction_date") or ""), str(row.get("creation") or ""), row.get("name") or "")


def newest_orders(orders: Iterable[Mapping], limit: int | None) -> list[Mapping]:
	"""Orders newest first (transaction date, then creation), at most `limit` of them."""
	ordered = sorted(orders, key=_newest_first_key, reverse=True)
	return ordered[:limit] if limit and limit > 0 else ordered


class WorkOrderIndex:
	"""Latest non-cancelled Work Order per (sales order line) and per (sales order, item)."""

	def __init__(self, work_orders: Iterable[Mapping]):
		self.by_line: dict[str, Mapping] = {}
		self.by_item: dict[tuple[str, str], Mapping] = {}
		for wo in sorted(work_orders, key=lambda w: (str(w.get("creation") or ""), w.get("name") or "")):
			if wo.get("docstatus") == 2:
				continue
			# Later rows overwrite earlier ones: the newest Work Order wins.
			if wo.get("sales_order_item"):
				self.by_line[wo["sales_order_item"]] = wo
			self.by_item[(wo.get("sales_order"), wo.get("production_item"))] = wo

	def for_line(self, sales_order: str, line_name: str | None, item_code: str) -> Mapping | None:
		by_item = self.by_item.get((sales_order, item_code))
		by_line = self.by_line.get(line_name) if line_name else None
		if by_line and by_line.get("sales_order") == sales_order:
			return by_line
		return by_item


def find_work_order(
	index: WorkOrderIndex,
	sales_order: str,
	line_name: str | None,
	item_code: str,
	downstream: Mapping[str, Iterable[str]],
) -> Mapping | None:
	"""The Work Order of a line: on its own order, else along the inter-company chain."""
	work_order = index.for_line(sales_order, line_name, item_code)
	if work_order:
		return work_order
	frontier, seen = list(downstream.get(sales_order, ())), {sales_order}
	for _depth in range(MAX_CHAIN_DEPTH):
		next_frontier = []
		for producing_order in frontier:
			if producing_order in seen:
				continue
			seen.add(producing_order)
			work_order = index.for_line(producing_order, None, item_code)
			if work_order:
				return work_order
			next_frontier.extend(downstream.get(producing_order, ()))
		if not next_frontier:
			break
		frontier = next_frontier
	return None


def build_rows(
	orders: Iterable[Mapping],
	items: Iterable[Mapping],
	work_orders: Iterable[Mapping],
	downstream: Mapping[str, Iterable[str]] | None = None,
	limit: int | None = None,
	stock: Mapping[tuple[str, str], float] | None = None,
	today: date | None = None,
) -> list[dict]:
	"""History rows, newest order first and lines in their order, for at most `limit` orders.

	`downstream` maps a Sales Order to the Sales Orders that produce it in other companies of the
	group (customer SO -> inter-company PO -> producing company's SO). With `today`, each row gets
	its expected ship date and standing (core.ship_dates), `stock` giving the quantity on hand per
	(item, warehouse) for lines without a Work Order.
	"""
	downstream = downstream or {}
	index = WorkOrderIndex(work_orders)
	lines_by_order = defaultdict(list)
	for item in items:
		lines_by_order[item["parent"]].append(item)

	rows = []
	for order in newest_orders(orders, limit):
		for line in sorted(lines_by_order.get(order["name"], ()), key=lambda i: i.get("idx") or 0):
			work_order = find_work_order(
				index, order["name"], line.get("name"), line.get("item_code"), downstream
			)
			row = {
				"sales_order": order["name"],
				"transaction_date": order.get("transaction_date"),
				"delivery_date": line.get("delivery_date") or order.get("delivery_date"),
				"order_status": order.get("status"),
				"item_code": line.get("item_code"),
				"item_name": line.get("item_name"),
				"qty": line.get("qty") or 0,
				"delivered_qty": line.get("delivered_qty") or 0,
				"rate": line.get("rate") or 0,
				"amount": line.get("amount") or 0,
				"work_order": work_order.get("name") if work_order else None,
			}
			row.update(stage_values(work_order))
			if today:
				delivered = line.get("delivered_qty") or 0
				in_stock = (
					not work_order
					and stock is not None
					and stock.get((line.get("item_code"), line.get("warehouse")), 0)
					>= row["qty"] - delivered
					> 0
				)
				row.update(expected_ship(row, work_order, in_stock, today, delivered))
				row["calendar_change"] = calendar_change(row, work_order, in_stock, today, delivered)
			else:
				row.update(expected_ship_date=None, ship_status=None, ship_reason=None)
			rows.append(row)
	return rows


def calendar_due(rows: Iterable[Mapping]) -> date | None:
	"""The first day on which the calendar alone changes these rows (build_rows with `today`)."""
	days = [row["calendar_change"] for row in rows if row.get("calendar_change")]
	return min(days) if days else None


def _payload(rows: Iterable[Mapping]) -> list[list[str]]:
	return [[str(row.get(f) if row.get(f) is not None else "") for f in ROW_FIELDS] for row in rows]


def signature(rows: Iterable[Mapping], extra: Mapping | None = None) -> str:
	"""A stable digest of the rows' content (and of `extra`, e.g. billing and shipping): equal
	digests mean nothing changed."""
	payload = _payload(rows)
	if extra:
		payload.append(json.dumps(extra, sort_keys=True, default=str))
	return hashlib.sha1(json.dumps(payload).encode(), usedforsecurity=False).hexdigest()


def order_digests(rows: list[Mapping]) -> dict[str, list] | None:
	"""Per order of `rows` (in their order): [digest of its lines, idx of its first line, line count];
	None when an order's lines are not contiguous (then nothing can be kept line by line)."""
	grouped: dict[str, list] = {}
	previous = None
	for idx, row in enumerate(rows, start=1):
		order = row["sales_order"]
		if order != previous:
			if order in grouped:
				return None
			grouped[order] = [idx, []]
			previous = order
		grouped[order][1].append(row)
	return {
		order: [
			hashlib.sha1(json.dumps(_payload(lines)).encode(), usedforsecurity=False).hexdigest()[:16],
			first,
			len(lines),
		]
		for order, (first, lines) in grouped.items()
	}


def history_signature(digests: Mapping[str, list], extra_json: str = "") -> str:
	"""The digest of a customer's history from its orders' digests (in their order) and its
	billing and shipping as stored (JSON text): equal digests mean nothing changed."""
	payload = json.dumps([[order, value[0]] for order, value in digests.items()]) + extra_json
	return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()


@dataclass
class LineChanges:
	"""What writing `rows` over the stored lines takes (line_changes)."""

	rewrite: bool  # every stored line goes and every row is inserted
	delete: list[str] = field(default_factory=list)  # orders whose stored lines go
	insert: list[tuple[int, Mapping]] = field(default_factory=list)  # (idx, row) to insert
	shifts: dict[int, list[str]] = field(default_factory=dict)  # idx delta -> orders it moves
	digests: dict[str, list] | None = None  # to store for the next time


def line_changes(stored: Mapping[str, list] | None, rows: list[Mapping], force: bool = False) -> LineChanges:
	"""The fewest line writes that turn the stored lines (their orders' digests as order_digests gave
	them, None when unknown) into `rows`: an order whose lines are unchanged keeps them, moved by one
	idx delta when newer orders came before it; only changed, new and dropped orders' lines are
	written. A new order on top of 500 therefore writes its own lines and one shift, not 2,000 lines.
	`force`, unknown stored digests or non-contiguous orders rewrite everything."""
	digests = order_digests(rows)
	if force or stored is None or digests is None:
		return LineChanges(True, insert=list(enumerate(rows, start=1)), digests=digests)
	changed = {order for order, value in digests.items() if (stored.get(order) or [None])[0] != value[0]}
	shifts: dict[int, list[str]] = defaultdict(list)
	for order, (_digest, first, _count) in digests.items():
		if order not in changed and stored[order][1] != first:
			shifts[first - stored[order][1]].append(order)
	return LineChanges(
		False,
		delete=sorted(order for order in stored if order not in digests or order in changed),
		insert=[(idx, row) for idx, row in enumerate(rows, start=1) if row["sales_order"] in changed],
		shifts=dict(shifts),
		digests=digests,
	)


def page(rows: list, start: int, page_length: int) -> list:
	start = max(int(start or 0), 0)
	page_length = max(int(page_length or 0), 0)
	return rows[start : start + page_length] if page_length else rows[start:]
