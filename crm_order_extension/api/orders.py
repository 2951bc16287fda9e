"""Order history endpoints for Desk, the CRM UI (/crm) and the Helpdesk agent UI (/helpdesk)."""

import frappe
from frappe import _
from frappe.utils import flt

from crm_order_extension.api.utils import (
	JSONValue,
	bool_arg,
	check_permitted,
	client_error,
	int_arg,
	optional,
	required,
)
from crm_order_extension.core.customer_match import AmbiguousCustomer
from crm_order_extension.core.production import STAGE_OPTIONS, indicator_color
from crm_order_extension.orders.bulk import request_sync_all
from crm_order_extension.orders.customer import TARGETS, get_target, load_record, resolve_customer
from crm_order_extension.orders.fulfilment import open_records
from crm_order_extension.orders.history import (
	CUSTOMER_HISTORY,
	CUSTOMER_LINE,
	HISTORY_FIELD,
	SUMMARY_FIELDS,
	customer_history_name,
	sync_record,
)
from crm_order_extension.orders.permissions import check_history_access, restricts_customers

MAX_PAGE_LENGTH = 500


def _check_doctype(doctype) -> str:
	doctype = required(doctype, _("Document type"))
	if doctype not in TARGETS:
		client_error(
			_("Order history is available for {0}, not for {1}").format(
				", ".join(_(d) for d in TARGETS), doctype
			)
		)
	return doctype


def _check_sync_access(doctype: str, name: str) -> None:
	"""Syncing shows the orders of the customer the record resolves to: the caller must be allowed
	to see them (resolved here only when User Permissions restrict the caller's customers)."""
	check_history_access()
	if not restricts_customers():
		return
	try:
		resolution = resolve_customer(load_record(doctype, name))
	except AmbiguousCustomer as err:
		# The tie is reported with its candidates: the caller must be allowed to see each.
		check_history_access(list(err.candidates))
		return
	check_history_access([resolution.customer] if resolution.found else [])


def _sync(doctype: str, name: str) -> dict:
	check_permitted(doctype, name)
	_check_sync_access(doctype, name)
	return sync_record(doctype, name)


@frappe.whitelist(methods=["POST"])
def fetch_orders(lead_name: JSONValue = None) -> dict:
	"""Re-sync and return the order history summary of a CRM Lead (`lead_name`: its name)."""
	return _sync("CRM Lead", required(lead_name, _("Lead")))


@frappe.whitelist(methods=["POST"])
def fetch_deal_orders(deal_name: JSONValue = None) -> dict:
	"""Re-sync and return the order history summary of a CRM Deal (`deal_name`: its name)."""
	return _sync("CRM Deal", required(deal_name, _("Deal")))


@frappe.whitelist(methods=["POST"])
def hd_ticket_fetch_orders(contact: JSONValue = None, ticket_name: JSONValue = None) -> dict:
	"""Re-sync the order history of an HD Ticket (`ticket_name`, its name). `contact` (optional, a
	Contact name) is checked against the ticket: its contact, or one whose email raised it. A ticket
	without a contact (raised by an email only) resolves its customer by that email."""
	ticket_name = str(required(ticket_name, _("Ticket")))
	contact = optional(contact, _("Contact"))
	check_permitted("HD Ticket", ticket_name)
	check_history_access()
	if contact:
		ticket_contact, raised_by = frappe.db.get_value("HD Ticket", ticket_name, ["contact", "raised_by"])
		contact_emails = frappe.get_all(
			"Contact Email", filters={"parenttype": "Contact", "parent": contact}, pluck="email_id"
		)
		linked = contact == ticket_contact or (
			raised_by and raised_by.lower() in {e.lower() for e in contact_emails if e}
		)
		if not linked:
			client_error(_("Contact {0} is not linked to HD Ticket {1}").format(contact, ticket_name))
	_check_sync_access("HD Ticket", ticket_name)
	return sync_record("HD Ticket", ticket_name)


@frappe.whitelist(methods=["GET", "POST"])
def get_order_history(
	doctype: JSONValue = None, name: JSONValue = None, start: JSONValue = 0, page_length: JSONValue = 20
) -> dict:
	"""One page of the stored order history (no re-sync), newest order first.

	`doctype`: CRM Lead, CRM Deal or HD Ticket; `name`: the record; `start` (0 or more) and
	`page_length` (1 to 500): whole numbers."""
	doctype = _check_doctype(doctype)
	name = required(name, _("Name"))
	start = int_arg(start, "start", 0, minimum=0)
	page_length = int_arg(page_length, "page_length", 20, minimum=1, maximum=MAX_PAGE_LENGTH)
	name = str(name)
	check_permitted(doctype, name)
	stored = frappe.db.get_value(
		doctype,
		name,
		[
			"custom_orders_synced_on",
			"custom_order_customer",
			"custom_order_match_level",
			"custom_order_sync_message",
			"modified",
			*SUMMARY_FIELDS,
		],
		as_dict=True,
	)
	# The rows shown are the orders of the customer the record is resolved to.
	check_history_access([stored.custom_order_customer])
	# A record's own rows (a deal's draft orders) first, then its customer's history.
	history_key = (
		customer_history_name(stored.custom_order_customer) if stored.custom_order_customer else None
	)
	own = {"parent": name, "parenttype": doctype, "parentfield": HISTORY_FIELD}
	sources = [(get_target(doctype).child_doctype, own)]
	if history_key:
		sources.append((CUSTOMER_LINE, {"parent": history_key, "parenttype": CUSTOMER_HISTORY}))
	rows, total, skip = [], 0, start
	for child_doctype, filters in sources:
		count = frappe.db.count(child_doctype, filters)
		total += count
		wanted = page_length - len(rows)
		if wanted > 0 and skip < count:
			rows += frappe.get_all(
				child_doctype,
				filters=filters,
				fields=["*"],
				order_by="idx asc",
				limit_start=skip,
				limit_page_length=wanted,
			)
		skip = max(skip - count, 0)
	for row in rows:
		for field in ("parent", "parenttype", "parentfield", "owner", "modified_by", "docstatus"):
			row.pop(field, None)
	# Billing, shipping and returns of the orders on this page, and the customer's header.
	stored_fulfilment = (
		frappe.parse_json(frappe.db.get_value(CUSTOMER_HISTORY, history_key, "fulfilment") or "{}")
		if history_key
		else {}
	) or {}
	on_page = {row.sales_order for row in rows}
	fulfilment = {so: data for so, data in (stored_fulfilment.get("orders") or {}).items() if so in on_page}
	header = (
		{**(stored_fulfilment.get("header") or {}), **open_records(stored.custom_order_customer)}
		if stored.custom_order_customer
		else None
	)
	return {
		"doctype": doctype,
		"name": name,
		"rows": rows,
		"start": start,
		"page_length": page_length,
		"total": total,
		"history": history_key,
		"fulfilment": fulfilment,
		"header": header,
		"header_text": header_line(header),
		"synced_on": stored.custom_orders_synced_on,
		"customer": stored.custom_order_customer,
		"level": stored.custom_order_match_level,
		"message": stored.custom_order_sync_message,
		"modified": stored.modified,
		"summary": {field.removeprefix("custom_"): stored[field] for field in SUMMARY_FIELDS},
	}


@frappe.whitelist(methods=["GET", "POST"])
def get_order_history_html(
	doctype: JSONValue = None, name: JSONValue = None, page_length: JSONValue = 100
) -> dict:
	"""The stored history as an HTML table, for the CRM and Helpdesk form scripts (one renderer
	for both UIs; every value is escaped by the template). Arguments as for get_order_history."""
	history = get_order_history(doctype, name, 0, page_length)
	rows = []
	for row in history["rows"]:
		rows.append(
			{
				**row,
				"transaction_date_display": frappe.format(row.transaction_date, {"fieldtype": "Date"}),
				"delivery_date_display": frappe.format(row.delivery_date, {"fieldtype": "Date"}),
				"qty_display": frappe.format(row.qty, {"fieldtype": "Float"}),
				"amount_display": frappe.format(row.amount, {"fieldtype": "Currency"}),
				"stages": [
					{
						"label": _(row.get(stage) or "").replace("_", " "),
						"color": indicator_color(row.get(stage)),
					}
					for stage in STAGE_OPTIONS
				],
				"ship_date_display": frappe.format(row.get("expected_ship_date"), {"fieldtype": "Date"}),
				"ship": ship_label(row.get("ship_status"), row.get("ship_reason")),
				"partly_shipped": partly_shipped(row.qty, row.get("delivered_qty")),
			}
		)
	if history["synced_on"]:
		summary = _("{0} lines of {1} shown; synced {2}").format(
			len(rows), history["total"], frappe.format(history["synced_on"], {"fieldtype": "Datetime"})
		)
	else:
		summary = _("Not synced yet")
	if history["message"]:
		summary = f"{history['message']}. {summary}"
	headers = [
		_("Sales Order"),
		_("Item"),
		_("Qty"),
		_("Amount"),
		_("Delivery"),
		_("Ships"),
		_("OPS"),
		_("Material"),
		_("Production"),
		_("QA"),
	]
	html = frappe.render_template(
		"crm_order_extension/templates/includes/order_history.html",
		{
			"rows": rows,
			"headers": headers,
			"summary": summary,
			"order_summary": history["summary"]["order_summary"],
			"header": history["header_text"],
			"orders": fulfilment_blocks(history["fulfilment"]),
			"labels": {
				"fulfilment": _("Billing, shipping and returns"),
				"billed": _("Billed"),
				"outstanding": _("Outstanding"),
				"invoices": _("Invoices"),
				"deliveries": _("Deliveries"),
				"returns": _("Returns"),
				"due": _("due"),
				"none": _("None yet"),
			},
		},
	)
	return {
		"html": html,
		"total": history["total"],
		"synced_on": history["synced_on"],
		"summary": history["summary"],
	}


def _money(amount, currency) -> str:
	return frappe.utils.fmt_money(amount or 0, currency=currency)


def _date(value) -> str:
	return frappe.format(value, {"fieldtype": "Date"}) if value else ""


def header_line(header: dict | None) -> str:
	"""E.g. "12 orders · billed USD 4,210.00 · outstanding USD 240.00 · last order 02-12-2026 · 1 open
	ticket · 2 open deals", translated."""
	if not header:
		return ""
	currency = header.get("currency")
	orders, tickets, deals = (header.get(key) or 0 for key in ("orders", "open_tickets", "open_deals"))
	parts = [
		_("1 order") if orders == 1 else _("{0} orders").format(orders),
		_("billed {0}").format(_money(header.get("lifetime_billed"), currency)),
		_("outstanding {0}").format(_money(header.get("outstanding"), currency)),
	]
	if header.get("last_order_date"):
		parts.append(_("last order {0}").format(_date(header["last_order_date"])))
	parts.append(_("1 open ticket") if tickets == 1 else _("{0} open tickets").format(tickets))
	parts.append(_("1 open deal") if deals == 1 else _("{0} open deals").format(deals))
	return " · ".join(parts)


def fulfilment_blocks(fulfilment: dict) -> list[dict]:
	"""Per order on the page: billed %, outstanding, invoices, deliveries with tracking, returns, as
	display strings (the template escapes them; a tracking URL is a link only when it is http(s))."""
	blocks = []
	for order, data in sorted(fulfilment.items(), reverse=True):
		currency = data.get("currency")
		blocks.append(
			{
				"sales_order": order,
				"billed": f"{flt(data.get('billed_percent')):.0f} %",
				"outstanding": _money(data.get("outstanding"), currency),
				"shipped": _(data.get("shipped") or ""),
				"invoices": [
					{
						"name": i["name"],
						"status": _(i.get("status") or ""),
						"outstanding": _money(i.get("outstanding_amount"), i.get("currency") or currency),
						"due": _date(i.get("due_date")),
					}
					for i in data.get("invoices") or []
				],
				"deliveries": [
					{
						"name": d["name"],
						"date": _date(d.get("posting_date")),
						"shipped_items": ", ".join(
							f"{frappe.format(item.get('qty'), {'fieldtype': 'Float'})} x {item.get('item_code')}"
							for item in d.get("items") or []
						),
						"carrier": d.get("carrier") or "",
						"tracking_number": d.get("tracking_number") or "",
						"tracking_url": d.get("tracking_url")
						if str(d.get("tracking_url") or "").startswith(("https://", "http://"))
						else "",
						"tracking_status": _(d.get("tracking_status") or ""),
					}
					for d in data.get("deliveries") or []
				],
				"returns": [
					{
						"doctype": _(r.get("doctype") or ""),
						"name": r["name"],
						"date": _date(r.get("posting_date")),
						"qty": frappe.format(r.get("qty"), {"fieldtype": "Float"}),
						"amount": _money(r.get("amount"), currency),
					}
					for r in data.get("returns") or []
				],
			}
		)
	return blocks


SHIP_COLORS = {"On time": "green", "At risk": "yellow", "Late": "red", "Shipped": "gray"}


def partly_shipped(qty, delivered) -> str:
	"""E.g. "1 of 4 shipped" for a line shipped in part (a fully shipped line's status says Shipped)."""
	qty, delivered = flt(qty), flt(delivered)
	if not 0 < delivered < qty:
		return ""
	return _("{0} of {1} shipped").format(
		frappe.format(delivered, {"fieldtype": "Float"}), frappe.format(qty, {"fieldtype": "Float"})
	)


def ship_label(status: str | None, reason: str | None) -> dict:
	"""A history line's ship status and reasons, translated, with its pill colour."""
	# Literal _() calls, so Frappe's translation tools find the stored English values.
	labels = {
		"On time": _("On time"),
		"At risk": _("At risk"),
		"Late": _("Late"),
		"Shipped": _("Shipped"),
		"Work Order not started": _("Work Order not started"),
		"Work Order behind plan": _("Work Order behind plan"),
		"material out of stock": _("material out of stock"),
		"operations blocked": _("operations blocked"),
		"QA rejected": _("QA rejected"),
		"delivery date passed": _("delivery date passed"),
		"not in stock and no Work Order": _("not in stock and no Work Order"),
	}
	reasons = [labels.get(part, part) for part in (reason or "").split(", ") if part]
	return {
		"label": labels.get(status or "", status or ""),
		"color": SHIP_COLORS.get(status or "", "gray"),
		"reason": ", ".join(reasons),
	}


@frappe.whitelist(methods=["POST"])
def enqueue_sync_all(doctype: JSONValue = None, restart: JSONValue = False) -> dict:
	"""Re-sync every record of one DocType (or all three) in the background, with progress.

	`restart` (true/false) is accepted for older clients: a queued pass always covers every record
	(the resumable run is the bench command's)."""
	doctype = optional(doctype, _("Document type"))
	doctypes = [_check_doctype(doctype)] if doctype else list(TARGETS)
	bool_arg(restart, "restart")
	for dt in doctypes:
		if not frappe.has_permission(dt, "write"):
			frappe.flags.disable_traceback = True
			frappe.throw(
				_("You need write permission on {0} to sync its order history").format(_(dt)),
				frappe.PermissionError,
			)
	check_history_access()
	job_id = request_sync_all(doctypes)
	return {"queued": True, "job_id": job_id, "message": _("Order history sync queued")}
