"""Quote to cash beside each order: billing and payment, shipping and tracking, returns, and the
customer's header (issue 18). Pure functions over plain dicts: the Frappe adapter
(orders/fulfilment.py) fetches ERPNext's Sales Invoices, Delivery Notes and Shipments of a set of
orders in a fixed number of queries and stores what these return with the customer's history.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from crm_order_extension.core.ship_dates import as_date

FULLY, PARTLY, NOT_SHIPPED = "Fully shipped", "Partly shipped", "Not shipped"
# Sales Invoice statuses that still wait for money.
UNPAID_STATUSES = ("Unpaid", "Overdue", "Partly Paid", "Unpaid and Discounted", "Overdue and Discounted")


def _number(value) -> float:
	return float(value or 0)


def shipped_state(ordered: float, delivered: float) -> str:
	if ordered and delivered >= ordered:
		return FULLY
	return PARTLY if delivered > 0 else NOT_SHIPPED


def tracking(delivery: Mapping, shipment: Mapping | None) -> dict:
	"""Carrier, tracking number and link of a delivery: its Shipment's (carrier, AWB number, tracking
	URL and status) where ERPNext has one, else the Delivery Note's transporter and transport
	receipt number."""
	if shipment:
		return {
			"carrier": shipment.get("carrier") or shipment.get("carrier_service") or None,
			"tracking_number": shipment.get("awb_number") or shipment.get("shipment_id") or None,
			"tracking_url": (shipment.get("tracking_url") or "").strip() or None,
			"tracking_status": shipment.get("tracking_status") or None,
		}
	return {
		"carrier": delivery.get("transporter_name") or delivery.get("transporter") or None,
		"tracking_number": delivery.get("lr_no") or None,
		"tracking_url": None,
		"tracking_status": None,
	}


def order_fulfilment(
	order: Mapping,
	order_lines: Iterable[Mapping],
	invoices: Iterable[Mapping] | Mapping[str, Mapping],
	invoice_lines: Iterable[Mapping],
	deliveries: Iterable[Mapping] | Mapping[str, Mapping],
	delivery_lines: Iterable[Mapping],
	shipments: Mapping[str, Mapping],
) -> dict:
	"""One order's billing, shipping and returns.

	`invoice_lines` / `delivery_lines`: the lines of submitted Sales Invoices / Delivery Notes that
	point at this order (`parent`, `so_detail`, `item_code`, `qty`, `amount`); `invoices` /
	`deliveries`: their headers by `name`; `shipments`: Shipment per Delivery Note name. Credit
	Notes and return Delivery Notes are the `is_return` ones among them."""
	invoices = invoices if isinstance(invoices, Mapping) else {i["name"]: i for i in invoices}
	deliveries = deliveries if isinstance(deliveries, Mapping) else {d["name"]: d for d in deliveries}
	billed, returned = [], []
	invoice_amounts = defaultdict(float)
	for line in invoice_lines:
		invoice_amounts[line["parent"]] += _number(line.get("amount"))
	for name, amount in invoice_amounts.items():
		invoice = invoices.get(name)
		if not invoice:
			continue
		entry = {
			"name": name,
			"status": invoice.get("status"),
			"posting_date": as_date(invoice.get("posting_date")),
			"due_date": as_date(invoice.get("due_date")),
			"grand_total": _number(invoice.get("grand_total")),
			"outstanding_amount": _number(invoice.get("outstanding_amount")),
			"currency": invoice.get("currency"),
			"amount": amount,
		}
		if invoice.get("is_return"):
			returned.append({"doctype": "Sales Invoice", **entry, "qty": 0.0})
		else:
			billed.append(entry)

	delivered_per_line = defaultdict(float)
	lines_per_delivery = defaultdict(list)
	for line in delivery_lines:
		lines_per_delivery[line["parent"]].append(line)
	shipped, returns_by_delivery = [], {}
	for name, lines in lines_per_delivery.items():
		delivery = deliveries.get(name)
		if not delivery:
			continue
		qty = sum(_number(line.get("qty")) for line in lines)
		if delivery.get("is_return"):
			returns_by_delivery[name] = {
				"doctype": "Delivery Note",
				"name": name,
				"posting_date": as_date(delivery.get("posting_date")),
				"qty": abs(qty),
				"amount": abs(sum(_number(line.get("amount")) for line in lines)),
			}
			for line in lines:
				delivered_per_line[line.get("so_detail")] += _number(line.get("qty"))  # negative
			continue
		for line in lines:
			delivered_per_line[line.get("so_detail")] += _number(line.get("qty"))
		shipped.append(
			{
				"name": name,
				"posting_date": as_date(delivery.get("posting_date")),
				"status": delivery.get("status"),
				"items": [
					{"item_code": line.get("item_code"), "qty": _number(line.get("qty"))} for line in lines
				],
				**tracking(delivery, shipments.get(name)),
			}
		)
	for credit in returned:  # a Credit Note's quantity, from its lines
		credit["qty"] = abs(
			sum(_number(line.get("qty")) for line in invoice_lines if line["parent"] == credit["name"])
		)
		credit["amount"] = abs(credit["amount"])

	# Per line: ERPNext keeps the line's delivered quantity (returns included); else count the
	# deliveries. Each line's own state is shown from the history line (its delivered_qty).
	ordered_total = delivered_total = 0.0
	for line in order_lines:
		delivered = line.get("delivered_qty")
		delivered = (
			_number(delivered) if delivered is not None else delivered_per_line.get(line.get("name"), 0.0)
		)
		ordered_total += _number(line.get("qty"))
		delivered_total += max(delivered, 0.0)
	unpaid = [i for i in billed if i["outstanding_amount"] > 0 and i["status"] in UNPAID_STATUSES]
	return {
		"sales_order": order["name"],
		"currency": order.get("currency"),
		"grand_total": _number(order.get("grand_total")),
		"billed_percent": _number(order.get("per_billed")),
		"invoices": sorted(billed, key=lambda i: (i["posting_date"] or date.min, i["name"])),
		"outstanding": sum(i["outstanding_amount"] for i in billed if i["outstanding_amount"] > 0),
		"unpaid_invoices": len(unpaid),
		"next_due_date": min((i["due_date"] for i in unpaid if i["due_date"]), default=None),
		"deliveries": sorted(shipped, key=lambda d: (d["posting_date"] or date.min, d["name"])),
		"returns": sorted(
			[*returned, *returns_by_delivery.values()],
			key=lambda r: (r["posting_date"] or date.min, r["name"]),
		),
		"shipped": shipped_state(ordered_total, delivered_total),
	}


def summary(orders: Iterable[Mapping]) -> dict:
	"""What the record's summary line adds: unpaid orders with their amount and earliest due date,
	and the latest shipment with its carrier and tracking number."""
	orders = list(orders)
	unpaid = [o for o in orders if o["unpaid_invoices"]]
	deliveries = [d for o in orders for d in o["deliveries"]]
	latest = max(deliveries, key=lambda d: (d["posting_date"] or date.min, d["name"]), default=None)
	currencies = {o["currency"] for o in unpaid}
	return {
		"unpaid_orders": len(unpaid),
		"unpaid_amount": sum(o["outstanding"] for o in unpaid),
		"unpaid_currency": currencies.pop() if len(currencies) == 1 else None,
		"unpaid_due": min((o["next_due_date"] for o in unpaid if o["next_due_date"]), default=None),
		"shipped_orders": sum(1 for o in orders if o["deliveries"]),
		"latest_carrier": latest["carrier"] if latest else None,
		"latest_tracking": latest["tracking_number"] if latest else None,
	}


def summary_parts(extra: Mapping) -> list[tuple[str, tuple]]:
	"""E.g. "1 unpaid (USD 240, due 15 Dec)" and "shipped 1 via UPS 1Z…", as (template, args)."""
	parts: list[tuple[str, tuple]] = []
	if extra.get("unpaid_orders"):
		amount = (extra.get("unpaid_currency"), extra.get("unpaid_amount"))
		if extra.get("unpaid_due"):
			parts.append(("{0} unpaid ({1}, due {2})", (extra["unpaid_orders"], amount, extra["unpaid_due"])))
		else:
			parts.append(("{0} unpaid ({1})", (extra["unpaid_orders"], amount)))
	if extra.get("shipped_orders"):
		carrier, number = extra.get("latest_carrier"), extra.get("latest_tracking")
		if carrier and number:
			parts.append(("shipped {0} via {1} {2}", (extra["shipped_orders"], carrier, short(number))))
		elif carrier:
			parts.append(("shipped {0} via {1}", (extra["shipped_orders"], carrier)))
		else:
			parts.append(("shipped {0}", (extra["shipped_orders"],)))
	return parts


def unpaid_part(extra: Mapping) -> tuple[str, tuple] | None:
	"""The record's Unpaid field, short enough for a side panel row: "USD 240.00, due 15 Dec"."""
	if not extra.get("unpaid_orders"):
		return None
	amount = (extra.get("unpaid_currency"), extra.get("unpaid_amount"))
	if extra.get("unpaid_due"):
		return ("{0}, due {1}", (amount, extra["unpaid_due"]))
	return ("{0}", (amount,))


def last_shipment(extra: Mapping) -> str:
	"""The record's Last Shipment field: carrier and short tracking number ("UPS 1Z999A…")."""
	if not extra.get("shipped_orders"):
		return ""
	number = extra.get("latest_tracking")
	return " ".join(filter(None, (extra.get("latest_carrier"), short(number) if number else None)))


def short(number: str, keep: int = 6) -> str:
	number = str(number)
	return number if len(number) <= keep + 1 else number[:keep] + "…"


def header(order_count: int, last_order_date, invoices: Iterable[Mapping]) -> dict:
	"""The customer's header on each lead, deal and ticket: orders count, last order date, lifetime
	billed (invoices net of credit notes, whose totals are negative) and outstanding balance.
	`invoices`: the customer's submitted Sales Invoices, or their sums per currency and is_return
	(`grand_total`, `outstanding_amount`, `is_return`, `currency`)."""
	invoices = list(invoices)
	currencies = {i.get("currency") for i in invoices if i.get("currency")}
	return {
		"orders": int(order_count or 0),
		"last_order_date": as_date(last_order_date),
		"lifetime_billed": sum(_number(i.get("grand_total")) for i in invoices),
		"outstanding": sum(_number(i.get("outstanding_amount")) for i in invoices if not i.get("is_return")),
		"currency": currencies.pop() if len(currencies) == 1 else None,
	}
