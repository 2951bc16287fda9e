"""Order history sync: fetch a customer's orders in a fixed number of queries and replace the
history rows of a lead, deal or ticket idempotently."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, fmt_money, formatdate, getdate, now_datetime
from pymysql.converters import escape_string

from crm_order_extension.core import fulfilment as fulfilment_rules
from crm_order_extension.core import order_history, ship_dates
from crm_order_extension.core.customer_match import AmbiguousCustomer
from crm_order_extension.core.production import WORK_ORDER_FIELDS
from crm_order_extension.orders.customer import (
	TARGETS,
	ambiguity_message,
	get_target,
	load_record,
	resolve_customer,
)
from crm_order_extension.orders.fulfilment import customer_header, fulfilment_of

# The rows are server-owned: they point at their record (parent, parenttype, parentfield) but the
# record has no Table field for them, so a form save (Desk, /crm, REST) never writes or drops them,
# and loading a record never loads them. Readers use get_order_history.
HISTORY_FIELD = "custom_order_history"
DEFAULT_MAX_ORDERS = 50

ORDER_FIELDS = [
	"name",
	"transaction_date",
	"delivery_date",
	"status",
	"creation",
	# billing beside each order (orders/fulfilment.py reuses what the history read)
	"currency",
	"grand_total",
	"per_billed",
]
ITEM_FIELDS = [
	"name",
	"parent",
	"idx",
	"item_code",
	"item_name",
	"qty",
	"rate",
	"amount",
	"delivery_date",
	"delivered_qty",
	"warehouse",
]
WORK_ORDER_QUERY_FIELDS = [
	"name",
	"sales_order",
	"sales_order_item",
	"production_item",
	"creation",
	"docstatus",
	"status",
	"planned_start_date",
	"planned_end_date",
	*WORK_ORDER_FIELDS.values(),
]


def settings():
	return frappe.get_cached_doc("CRM Order Extension Settings")


def max_orders() -> int:
	return int(settings().max_orders or 0) or DEFAULT_MAX_ORDERS


def downstream_orders(order_names: list[str]) -> dict[str, list[str]]:
	"""Sales Orders of other group companies that produce `order_names`, following ERPNext's
	inter-company chain: customer SO -> inter-company Purchase Order -> producing company's SO."""
	downstream = defaultdict(list)
	frontier, seen = list(order_names), set(order_names)
	for _depth in range(order_history.MAX_CHAIN_DEPTH):
		po_lines = frappe.get_all(
			"Purchase Order Item",
			filters={"sales_order": ("in", frontier), "docstatus": 1},
			fields=["parent", "sales_order"],
			distinct=True,
		)
		if not po_lines:
			break
		upstream_of_po = defaultdict(set)
		for line in po_lines:
			upstream_of_po[line.parent].add(line.sales_order)
		producing = frappe.get_all(
			"Sales Order",
			filters={"inter_company_order_reference": ("in", list(upstream_of_po)), "docstatus": 1},
			fields=["name", "inter_company_order_reference"],
		)
		frontier = []
		for so in producing:
			for upstream in upstream_of_po[so.inter_company_order_reference]:
				downstream[upstream].append(so.name)
			if so.name not in seen:
				seen.add(so.name)
				frontier.append(so.name)
		if not frontier:
			break
	return dict(downstream)


def fetch_rows(
	customer: str, limit: int, crm_deal: str | None = None, ship: bool = True, fetched: dict | None = None
) -> list[dict]:
	"""History rows of a customer's newest `limit` submitted orders; query count does not grow
	with the number of orders or lines."""
	orders = frappe.get_all(
		"Sales Order",
		filters={"customer": customer, "docstatus": 1},
		fields=ORDER_FIELDS,
		order_by="transaction_date desc, creation desc",
		limit_page_length=limit,
	)
	# Deal won -> Sales Order (orders/deal_won.py): a deal also shows its own draft orders.
	if crm_deal:
		orders += frappe.get_all(
			"Sales Order",
			filters={"custom_crm_deal": crm_deal, "docstatus": 0},
			fields=ORDER_FIELDS,
			order_by="transaction_date desc, creation desc",
			limit_page_length=limit,
		)
	return rows_for_orders(orders, limit, ship=ship, fetched=fetched)


def rows_for_orders(
	orders: list[dict], limit: int | None = None, ship: bool = True, fetched: dict | None = None
) -> list[dict]:
	"""History rows of these orders, with their Work Orders (along the inter-company chain), stock
	on hand and expected ship dates, in a fixed number of queries. `ship=False` leaves the ship
	dates out (the benchmark measures what they cost)."""
	if not orders:
		return []
	names = [o.name for o in orders]
	items = frappe.get_all(
		"Sales Order Item",
		filters={"parenttype": "Sales Order", "parent": ("in", names)},
		fields=ITEM_FIELDS,
		order_by="idx asc",
	)
	if fetched is not None:  # what the caller reads again otherwise (fulfilment_of)
		fetched.update(orders=orders, items=items)
	downstream = downstream_orders(names)
	producing = {so for sos in downstream.values() for so in sos}
	work_orders = frappe.get_all(
		"Work Order",
		filters={"sales_order": ("in", names + sorted(producing)), "docstatus": ("<", 2)},
		fields=WORK_ORDER_QUERY_FIELDS,
	)
	if not ship:
		return order_history.build_rows(orders, items, work_orders, downstream, limit)
	# Stock decides only for lines without a Work Order of their own.
	made = {w.sales_order_item for w in work_orders} | {
		(w.sales_order, w.production_item) for w in work_orders
	}
	unmade = [i for i in items if i.name not in made and (i.parent, i.item_code) not in made]
	return order_history.build_rows(
		orders, items, work_orders, downstream, limit, stock=stock_on_hand(unmade), today=getdate()
	)


def stock_on_hand(items: list[dict]) -> dict[tuple[str, str], float]:
	"""Actual quantity per (item, warehouse) of these lines, in one query."""
	codes = sorted({i.item_code for i in items if i.item_code})
	warehouses = sorted({i.warehouse for i in items if i.warehouse})
	if not codes or not warehouses:
		return {}
	bins = frappe.get_all(
		"Bin",
		filters={"item_code": ("in", codes), "warehouse": ("in", warehouses)},
		fields=["item_code", "warehouse", "actual_qty"],
	)
	return {(b.item_code, b.warehouse): b.actual_qty or 0 for b in bins}


INSERT_CHUNK = 2000
# The columns every row has, first in a bulk insert's column list.
STANDARD_COLUMNS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]


def insert_rows(doctype: str, fields: list[str], rows: list[tuple]) -> None:
	"""Multi-row INSERT with bound values.

	frappe.db.bulk_insert renders every value through pypika, which costs ~0.15 ms per value
	(0.3 s for 2,000 history lines); here only the placeholders are generated, the identifiers are
	the app's own constants and every value is a bound parameter.
	"""
	columns = ", ".join(f"`{field}`" for field in fields)
	placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(rows), INSERT_CHUNK):
		chunk = rows[start : start + INSERT_CHUNK]
		frappe.db.sql(
			f"INSERT INTO `tab{doctype}` ({columns}) VALUES {', '.join([placeholder] * len(chunk))}",
			[value for row in chunk for value in row],
		)


def replace_rows(
	doctype: str, name: str, rows: list[dict], values: dict, force: bool = False, typed_name=None
) -> bool:
	"""Replace a record's own history rows (a deal's draft orders) and store its history fields;
	returns whether what the record shows changed (`values["custom_order_history_hash"]`, else the
	rows' digest).

	The parent row is locked first, so concurrent syncs of one record serialize and never leave
	duplicate rows. A sync is not an edit: `modified`/`modified_by` stay (lists keep their order,
	Frappe's stale-save check keeps working), and the rows are not part of the record's document.
	"""
	target = get_target(doctype)
	name = str(name)  # `parent` is varchar: an integer would defeat its index
	values = dict(values)
	digest = values.setdefault("custom_order_history_hash", order_history.signature(rows))
	current = frappe.db.get_value(doctype, name, "custom_order_history_hash", for_update=True)
	changed = force or current != digest
	now = now_datetime()
	values["custom_orders_synced_on"] = now
	if changed:
		write_lines(target.child_doctype, doctype, name, HISTORY_FIELD, rows, now)
	frappe.db.set_value(doctype, name, values, update_modified=False)
	if changed:
		announce_change(doctype, name, now, typed_name)
	return changed


def write_lines(child_doctype: str, parenttype: str, parent: str, parentfield: str, rows, now) -> None:
	"""Replace the history lines under one parent: one DELETE by the parent index, bulk INSERTs."""
	frappe.db.delete(child_doctype, {"parent": parent, "parenttype": parenttype, "parentfield": parentfield})
	insert_lines(child_doctype, parenttype, parent, parentfield, list(enumerate(rows, start=1)), now)


def sql_literal(value) -> str:
	"""A value as a MariaDB literal, escaped as pymysql escapes it, for the types of a history line.
	Written into the statement directly: pymysql's generic per-value dispatch was a third of the cost
	of inserting 2,000 lines."""
	kind = type(value)
	if value is None:
		return "NULL"
	if kind is str:
		return "'" + escape_string(value) + "'"
	if kind is bool:
		return "1" if value else "0"
	if kind is int or kind is float or kind is Decimal:
		return str(value)
	if kind is date or kind is datetime:
		return f"'{value}'"
	return "'" + escape_string(str(value)) + "'"


def insert_lines(
	child_doctype: str, parenttype: str, parent: str, parentfield: str, indexed_rows, now
) -> None:
	"""Bulk INSERT of history lines, `indexed_rows`: (idx, row). The statement carries its values as
	literals (sql_literal; no parameters, so no %-formatting), what every line shares escaped once."""
	if not indexed_rows:
		return
	user = frappe.session.user
	shared = ", ".join(map(sql_literal, (now, now, user, user, parent, parenttype, parentfield, 0)))
	row_fields = order_history.ROW_FIELDS
	columns = ", ".join(
		f"`{f}`"
		for f in (
			"creation", "modified", "owner", "modified_by", "parent", "parenttype", "parentfield",
			"docstatus", "name", "idx", *row_fields,
		)
	)  # fmt: skip
	for start in range(0, len(indexed_rows), INSERT_CHUNK):
		values = ", ".join(
			f"({shared}, '{frappe.generate_hash(length=12)}', {int(idx)}, "
			+ ", ".join([sql_literal(row.get(f)) for f in row_fields])
			+ ")"
			for idx, row in indexed_rows[start : start + INSERT_CHUNK]
		)
		frappe.db.sql(f"INSERT INTO `tab{child_doctype}` ({columns}) VALUES {values}")


def apply_line_changes(parent: str, changes: order_history.LineChanges, now) -> None:
	"""Write a customer history's lines as line_changes planned: a rewrite, or the changed orders'
	lines deleted and inserted and the kept ones moved by their idx delta (the parent index)."""
	line = frappe.qb.DocType(CUSTOMER_LINE)
	of_parent = (
		(line.parent == parent) & (line.parenttype == CUSTOMER_HISTORY) & (line.parentfield == LINES_FIELD)
	)
	if changes.rewrite:
		frappe.qb.from_(line).delete().where(of_parent).run()
	elif changes.delete:
		frappe.qb.from_(line).delete().where(of_parent & line.sales_order.isin(changes.delete)).run()
	for delta, orders in sorted(changes.shifts.items()):
		frappe.qb.update(line).set(line.idx, line.idx + delta).where(
			of_parent & line.sales_order.isin(orders)
		).run()
	insert_lines(CUSTOMER_LINE, CUSTOMER_HISTORY, parent, LINES_FIELD, changes.insert, now)


def delete_rows(doc, method=None) -> None:
	"""on_trash of a lead, deal or ticket: its history rows go with it (no Table field does it)."""
	target = TARGETS.get(doc.doctype)
	if target:
		frappe.db.delete(
			target.child_doctype,
			{"parent": str(doc.name), "parenttype": doc.doctype, "parentfield": HISTORY_FIELD},
		)


HISTORY_CHANGED = "crm_order_extension:history_changed"


def announce_change(doctype: str, name: str, modified, typed_name=None) -> None:
	"""Tell open pages of the record that its history changed, after commit. The event names the
	record only: each page re-reads the history through get_order_history, which checks who may
	see it. Desk forms and the /crm and /helpdesk form scripts listen to it (system users' room), as
	to the customer-wide event of sync_customer_history (an opaque history key, not the customer);
	Helpdesk's agent page also reloads its ticket on Helpdesk's own update event.
	`typed_name`: the ticket's name as the database types it (v1.5's tickets are numbered, later ones
	named), as load_record read it."""
	frappe.publish_realtime(
		HISTORY_CHANGED,
		{"doctype": doctype, "name": str(name), "synced_on": str(modified)},
		after_commit=True,
	)
	if doctype == "HD Ticket":
		typed = typed_name if typed_name is not None else frappe.db.get_value("HD Ticket", str(name), "name")
		if typed is not None:
			publish_ticket_update(typed)


def publish_ticket_update(name) -> None:
	"""Helpdesk's own "ticket changed" event, in the shape its installed version sends and its agent
	page expects (v1.5: the ticket number to everyone; later: {"ticket_id"} to the ticket's room).
	The one place that knows the difference is Helpdesk's own HDTicket.publish_update, which
	publishes after commit on both."""
	from helpdesk.helpdesk.doctype.hd_ticket.hd_ticket import HDTicket

	HDTicket.publish_update(frappe._dict(doctype="HD Ticket", name=name))


SUMMARY_FIELDS = (
	"custom_order_summary",
	"custom_open_orders",
	"custom_next_ship_date",
	"custom_late_lines",
	"custom_latest_order_status",
	"custom_order_unpaid",
	"custom_order_last_shipment",
)


# The summary's columns on Customer Order History (the records' custom fields without the prefix).
HISTORY_SUMMARY_COLUMNS = tuple(field.removeprefix("custom_") for field in SUMMARY_FIELDS)


def summary_templates() -> dict[str, str]:
	# Literal _() calls, so Frappe's translation tools find every phrase of the summary.
	return {
		"No open orders": _("No open orders"),
		"1 open order": _("1 open order"),
		"{0} open orders": _("{0} open orders"),
		"next ship {0}": _("next ship {0}"),
		"1 line late": _("1 line late"),
		"{0} lines late": _("{0} lines late"),
		"QA pending on {0}": _("QA pending on {0}"),
		"{0} unpaid ({1}, due {2})": _("{0} unpaid ({1}, due {2})"),
		"{0} unpaid ({1})": _("{0} unpaid ({1})"),
		"shipped {0} via {1} {2}": _("shipped {0} via {1} {2}"),
		"shipped {0} via {1}": _("shipped {0} via {1}"),
		"shipped {0}": _("shipped {0}"),
		"{0}, due {1}": _("{0}, due {1}"),
		"{0}": "{0}",
	}


def _display(value):
	if isinstance(value, date):
		return formatdate(value, "d MMM")
	if isinstance(value, tuple):  # (currency, amount)
		return fmt_money(value[1], currency=value[0])
	return value


def summary_text(summary: dict, extra: dict | None = None) -> str:
	"""E.g. "2 open orders · next ship 12 Dec · 1 unpaid (USD 240, due 15 Dec) · shipped 1 via UPS
	1Z…", translated."""
	templates = summary_templates()
	parts = ship_dates.summary_parts(summary) + fulfilment_rules.summary_parts(extra or {})
	return " · ".join(_render(templates, part) for part in parts)


def _render(templates: dict, part: tuple[str, tuple]) -> str:
	template, args = part
	return templates[template].format(*[_display(a) for a in args])


def summary_values(rows: list[dict], extra: dict | None = None) -> dict:
	"""The record's summary fields; `extra`: billing and shipping (core.fulfilment.summary)."""
	summary = ship_dates.summarize(rows, getdate())
	return {
		"custom_order_summary": summary_text(summary, extra),
		"custom_open_orders": summary["open_orders"],
		"custom_next_ship_date": summary["next_ship_date"],
		"custom_late_lines": summary["late_lines"],
		"custom_latest_order_status": summary["latest_order_status"],
		# Short rows for /crm's side panel, where a long summary line would be cut off.
		"custom_order_unpaid": _render(summary_templates(), unpaid)
		if (unpaid := fulfilment_rules.unpaid_part(extra or {}))
		else None,
		"custom_order_last_shipment": fulfilment_rules.last_shipment(extra or {}) or None,
	}


def sync_record(
	doctype: str, name: str, force: bool = False, histories: dict | None = None, reuse: bool = False
) -> dict:
	"""Re-resolve one lead, deal or ticket and point it at its customer's history; say what happened.

	The customer's history is computed and written once (sync_customer_history; `histories` keeps
	what this job already computed, so a job re-resolving many records of one customer computes it
	once). `reuse`: a stored history is read, not recomputed (background re-resolution: order changes
	keep histories current). A deal also shows its own draft orders (Deal won -> Sales Order), stored
	as its own rows. `force` rewrites the rows even when nothing changed (repairs hand-edited tables).

	Locks are taken in one order on every path, customer history before records, so an order change
	(history, then its records) and a record's sync never deadlock."""
	doc = load_record(doctype, name)
	try:
		resolution = resolve_customer(doc)
	except AmbiguousCustomer as err:
		message = ambiguity_message(doctype, name, err)
		# Keep the last good history; only record why it was not refreshed.
		frappe.db.set_value(doctype, name, "custom_order_sync_message", message, update_modified=False)
		return {
			"success": False,
			"message": message,
			"candidates": err.candidates,
			"level": err.level,
			"count": 0,
		}

	history = None
	if resolution.found:
		customer = resolution.customer
		if histories is not None and customer in histories:
			history = histories[customer]
		else:
			history = (reuse and stored_history(customer)) or sync_customer_history(customer, force=force)
			if histories is not None:
				histories[customer] = history
	own_rows = []
	if doctype == "CRM Deal":
		# Locked before its drafts are read: a Deal won committing meanwhile is read, not overwritten.
		frappe.db.get_value(doctype, str(name), "name", for_update=True)
		own_rows = deal_draft_rows(name)
	rows = own_rows + (history_rows(history) if own_rows else [])
	count = len({row["sales_order"] for row in rows}) if own_rows else (history or {}).get("count", 0)
	message = sync_message(resolution.found, count, doctype)
	values = {
		"custom_order_customer": resolution.customer,
		"custom_order_match_level": resolution.level,
		"custom_order_sync_message": message,
		**(
			summary_values(rows, (history or {}).get("extra"))
			if own_rows or not history
			else history["summary"]
		),
		"custom_order_history_hash": order_history.signature(rows)
		if own_rows
		else (history or {}).get("hash") or order_history.signature([]),
	}
	changed = replace_rows(doctype, name, own_rows, values, force=force, typed_name=doc.name)
	return {
		"success": True,
		"message": message,
		"count": count,
		"rows": len(own_rows) + ((history or {}).get("lines") or 0),
		"customer": resolution.customer,
		"level": resolution.level,
		"changed": changed,
	}


def stored_history(customer: str) -> dict | None:
	"""The customer's stored history as sync_customer_history returns it (rows read on demand), read
	with a shared lock: the newest committed one, and an order change writing it meanwhile is waited
	for, never overwritten. None when there is none yet."""
	found = locked_history(
		customer,
		("name", "history_hash", "order_count", "fulfilment", *HISTORY_SUMMARY_COLUMNS),
		"LOCK IN SHARE MODE",
	)
	if not found or found[0].history_hash is None:
		return None
	row = found[0]
	return {
		"name": row.name,
		"rows": None,
		"summary": {
			field: row[column] for field, column in zip(SUMMARY_FIELDS, HISTORY_SUMMARY_COLUMNS, strict=True)
		},
		"hash": row.history_hash,
		"count": row.order_count or 0,
		"lines": row.line_count,
		"extra": stored_extra(row.fulfilment),
		"changed": False,
	}


def stored_extra(fulfilment: str | None) -> dict:
	"""What the summary line adds, as stored (JSON: its due date back to a date)."""
	extra = (frappe.parse_json(fulfilment or "{}") or {}).get("extra") or {}
	if extra.get("unpaid_due"):
		extra["unpaid_due"] = getdate(extra["unpaid_due"])
	return extra


def history_rows(history: dict | None) -> list[dict]:
	"""The lines of a customer history (sync_customer_history's or stored_history's)."""
	if not history:
		return []
	if history["rows"] is None:
		history["rows"] = frappe.get_all(
			CUSTOMER_LINE,
			filters={"parent": history["name"], "parenttype": CUSTOMER_HISTORY},
			fields=list(order_history.ROW_FIELDS),
			order_by="idx asc",
		)
	return history["rows"]


def sync_message(found: bool, count: int, doctype: str) -> str:
	if not found:
		return _("No ERPNext customer matches this {0}").format(_(doctype))
	if count == 1:
		return _("Synced 1 order")
	return _("Synced {0} orders").format(count)


def deal_draft_rows(deal: str) -> list[dict]:
	"""A deal's own draft Sales Orders (Deal won -> Sales Order), newest first."""
	drafts = frappe.get_all(
		"Sales Order",
		filters={"custom_crm_deal": str(deal), "docstatus": 0},
		fields=ORDER_FIELDS,
		order_by="transaction_date desc, creation desc",
		limit_page_length=max_orders(),
	)
	return rows_for_orders(drafts, max_orders())


CUSTOMER_HISTORY = "Customer Order History"
CUSTOMER_LINE = "Customer Order History Line"
LINES_FIELD = "lines"


def customer_history_name(customer: str, for_update: bool = False) -> str | None:
	return frappe.db.get_value(CUSTOMER_HISTORY, {"customer": customer}, "name", for_update=for_update)


def locked_history(customer: str, columns: tuple[str, ...], lock: str) -> list[dict]:
	"""The customer's history row with `columns` and `line_count` (its stored lines), read by a
	locking read (`lock`: FOR UPDATE or LOCK IN SHARE MODE) by the customer index."""
	selected = ", ".join(f"h.`{column}`" for column in columns)
	return frappe.db.sql(
		f"SELECT {selected}, (SELECT COUNT(*) FROM `tab{CUSTOMER_LINE}` l"
		f" WHERE l.`parent` = h.`name` AND l.`parenttype` = %s) AS `line_count`"
		f" FROM `tab{CUSTOMER_HISTORY}` h WHERE h.`customer` = %s {lock}",
		(CUSTOMER_HISTORY, customer),
		as_dict=True,
	)


def _history_row(customer: str) -> dict:
	"""The customer's history row (`name`, `history_hash`, `line_digests` and `line_count`, its stored
	lines), created if missing, locked: concurrent syncs of one customer serialize on it (INSERT
	IGNORE: two first syncs racing both end on the one row). Read by the locking read itself: a row
	another transaction committed after this one's snapshot (a worker's first sync) is invisible to a
	plain read under REPEATABLE READ."""

	def locked():
		found = locked_history(customer, ("name", "history_hash", "line_digests"), "FOR UPDATE")
		return found[0] if found else None

	row = locked()
	if row:
		return row
	now = now_datetime()
	user = frappe.session.user
	frappe.db.sql(
		f"INSERT IGNORE INTO `tab{CUSTOMER_HISTORY}` ({', '.join(f'`{c}`' for c in STANDARD_COLUMNS)}, `customer`)"
		" VALUES (%s, %s, %s, %s, %s, 0, 0, %s)",
		(frappe.generate_hash(length=12), now, now, user, user, customer),
	)
	return locked()


def stored_digests(stored: dict) -> dict | None:
	"""The stored lines' digests per order, when they describe the lines stored: not after the
	history was reset or its lines were edited by hand (then the next write rewrites them all)."""
	if stored.history_hash is None or not stored.line_digests:
		return None
	digests = frappe.parse_json(stored.line_digests)
	if sum(value[2] for value in digests.values()) != stored.line_count:
		return None
	return digests


def sync_customer_history(customer: str, force: bool = False) -> dict:
	"""Compute the history of `customer` once (a fixed number of queries) and write it where its
	records read it; when it changed, update every lead, deal and ticket resolved to the customer
	in one statement per DocType and tell open pages with one event. Returns the rows and summary.

	The order change's cost follows the customer's orders, not how many records it has. The
	Customer row is share-locked first: a Customer deleted meanwhile (its on_trash removes the
	history) cannot be left with an orphan history, and concurrent syncs still run."""
	if not frappe.db.sql("SELECT `name` FROM `tabCustomer` WHERE `name` = %s LOCK IN SHARE MODE", customer):
		empty = order_history.signature([])
		return {
			"name": None,
			"rows": [],
			"summary": summary_values([]),
			"hash": empty,
			"count": 0,
			"lines": 0,
		}
	stored = _history_row(customer)
	name = stored.name
	fetched = {}
	rows = fetch_rows(customer, max_orders(), fetched=fetched)
	fulfilment = fulfilment_values(customer, rows, fetched)
	fulfilment_json = frappe.as_json(fulfilment, indent=None)
	changes = order_history.line_changes(stored_digests(stored), rows, force=force)
	digest = (
		order_history.history_signature(changes.digests, fulfilment_json)
		if changes.digests is not None
		else order_history.signature(rows, fulfilment)
	)
	summary = summary_values(rows, fulfilment["extra"])
	count = len({row["sales_order"] for row in rows})
	now = now_datetime()
	changed = force or stored.history_hash != digest
	values = {
		"synced_on": now,
		"calendar_due": min(
			filter(None, (order_history.calendar_due(rows), fulfilment["extra"].get("calendar_change"))),
			default=None,
		),
		**{
			column: summary[field]
			for field, column in zip(SUMMARY_FIELDS, HISTORY_SUMMARY_COLUMNS, strict=True)
		},
		"order_count": count,
		"history_hash": digest,
	}
	if changed:  # else the stored lines and billing are these (the digest covers both)
		apply_line_changes(name, changes, now)
		values["line_digests"] = frappe.as_json(changes.digests, indent=None) if changes.digests else None
		values["fulfilment"] = fulfilment_json
	frappe.db.set_value(CUSTOMER_HISTORY, name, values, update_modified=False)
	history = {
		"name": name,
		"rows": rows,
		"summary": summary,
		"hash": digest,
		"count": count,
		"lines": len(rows),
		"extra": fulfilment["extra"],
		"changed": changed,
	}
	if changed:
		for deal in update_records(customer, summary, digest, now, sync_message(True, count, "CRM Lead")):
			sync_record("CRM Deal", deal, histories={customer: history})
		frappe.publish_realtime(HISTORY_CHANGED, {"history": name, "synced_on": str(now)}, after_commit=True)
	return history


def fulfilment_values(customer: str, rows: list[dict], fetched: dict | None = None) -> dict:
	"""Billing, shipping and returns of the orders in the history, the customer's header and what the
	summary line adds (orders/fulfilment.py: a fixed number of queries). `extra.calendar_change`:
	the day after the earliest due date of an unpaid invoice, when it turns overdue."""
	fetched = fetched or {}
	orders = fulfilment_of(
		[row["sales_order"] for row in rows], orders=fetched.get("orders"), order_lines=fetched.get("items")
	)
	extra = fulfilment_rules.summary(orders.values())
	due = extra.get("unpaid_due")
	today = getdate()
	extra["calendar_change"] = add_days(due, 1) if due and getdate(due) >= today else None
	return {"orders": orders, "header": customer_header(customer), "extra": extra}


def delete_customer_history(doc, method=None) -> None:
	"""on_trash of a Customer."""
	name = customer_history_name(doc.name)
	if name:
		frappe.db.delete(CUSTOMER_LINE, {"parent": name, "parenttype": CUSTOMER_HISTORY})
		frappe.db.delete(CUSTOMER_HISTORY, {"name": name})


def update_records(customer: str, summary: dict, digest: str, now, message: str) -> list[str]:
	"""Set-based: the history fields of every record resolved to `customer` (indexed column), one
	UPDATE per DocType. Deals with draft orders of their own add those rows: they are re-synced on
	their own (few: Deal won's drafts until submitted); returns them."""
	from crm_order_extension.orders.customer import TARGETS

	own = set(
		frappe.get_all(
			"Sales Order",
			filters={"customer": customer, "docstatus": 0, "custom_crm_deal": ("is", "set")},
			pluck="custom_crm_deal",
			distinct=True,
		)
	)
	values = {
		**summary,
		"custom_order_history_hash": digest,
		"custom_orders_synced_on": now,
		"custom_order_sync_message": message,
	}
	for doctype in TARGETS:
		table = frappe.qb.DocType(doctype)
		query = frappe.qb.update(table).where(table.custom_order_customer == customer)
		for field, value in values.items():
			query = query.set(table[field], value)
		if doctype == "CRM Deal" and own:
			query = query.where(table.name.notin(sorted(own)))
		query.run()
	return sorted(own)
