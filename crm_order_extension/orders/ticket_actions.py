"""Agent actions from an HD Ticket: send the customer the status of their orders (a reply through
Helpdesk's own `reply_via_agent`, rendered from the Email Template "Order Status Reply") and start a
return of picked order lines (a draft Credit Note against the invoice that billed them, or a draft
return Delivery Note against the delivery when they are not invoiced), linked to the ticket.

Only orders of the ticket's own customer (its order history's) take part. Each action is logged in
Helpdesk's ticket activity (HD Ticket Activity), which the agent UI shows on v1.5 and v1.2x."""

import frappe
from frappe import _
from frappe.utils import escape_html, flt, formatdate, getdate

from crm_order_extension.orders.permissions import deny

EMAIL_TEMPLATE = "Order Status Reply"
# What the Email Template is made with on install (setup/defaults.py, once: an admin's edits and
# deletion stay), and what renders when an admin deleted it.
EMAIL_SUBJECT = (
	"Status of your order{{ 's' if orders | length > 1 else '' }} "
	"{{ orders | map(attribute='name') | join(', ') }}"
)
EMAIL_BODY = "crm_order_extension/templates/emails/order_status_reply.html"
TICKET_FIELD = "custom_hd_ticket"
SOURCES = {"Sales Invoice": "Sales Invoice Item", "Delivery Note": "Delivery Note Item"}
# the return item's field naming the source row
SOURCE_ROW_FIELD = {"Sales Invoice": "sales_invoice_item", "Delivery Note": "dn_detail"}


def _error(message: str):
	from crm_order_extension.api.utils import client_error

	client_error(message)


# --- the ticket's orders ----------------------------------------------------------------------


def ticket_history(ticket: str) -> dict:
	"""The ticket's stored history (permission-checked: the ticket, order-history access and its
	customer), with every row."""
	from crm_order_extension.api.orders import MAX_PAGE_LENGTH, get_order_history

	return get_order_history("HD Ticket", ticket, 0, MAX_PAGE_LENGTH)


def _ticket_orders(history: dict) -> list[str]:
	return list(dict.fromkeys(row.sales_order for row in history["rows"] if row.get("sales_order")))


def check_ticket_orders(history: dict, orders: list[str]) -> list[str]:
	"""`orders` as given, each one of the ticket's customer's orders (400 otherwise)."""
	if not history.get("customer"):
		_error(_("HD Ticket {0} has no customer with orders").format(history["name"]))
	own = set(_ticket_orders(history))
	foreign = [name for name in orders if name not in own]
	if foreign:
		_error(
			_("Sales Order {0} is not an order of this ticket's customer {1}").format(
				", ".join(foreign), history["customer"]
			)
		)
	return list(dict.fromkeys(orders))


# --- order status -----------------------------------------------------------------------------


def fulfilment(orders: list[str]) -> dict:
	"""Per order: deliveries (carrier, tracking number and link), invoices, outstanding, shipped."""
	if not orders:
		return {}
	from crm_order_extension.orders.fulfilment import fulfilment_of

	return fulfilment_of(orders)


def _web_link(url: str | None) -> str:
	"""A tracking link the email may carry: http(s) only."""
	url = (url or "").strip()
	return url if url.lower().startswith(("https://", "http://")) else ""


def _date(value) -> str:
	return formatdate(value) if value else ""


def order_status_context(ticket: str, orders: list[str]) -> dict:
	"""What the Email Template renders: the ticket, the customer and each chosen order with its
	status, expected ship date, lines and tracking."""
	history = ticket_history(ticket)
	orders = check_ticket_orders(history, orders)
	if not orders:
		_error(_("Choose at least one order"))
	facts = fulfilment(orders)
	context_orders = []
	for name in orders:
		rows = [row for row in history["rows"] if row.sales_order == name]
		first = rows[0]
		open_dates = [
			getdate(row.expected_ship_date)
			for row in rows
			if row.get("expected_ship_date") and row.get("ship_status") != "Shipped"
		]
		fact = facts.get(name) or {}
		# The values are escaped: the template's HTML goes out as the email and into the agent's page.
		deliveries = [
			frappe._dict(
				carrier=escape_html(d.get("carrier") or ""),
				tracking_number=escape_html(d.get("tracking_number") or ""),
				tracking_url=escape_html(_web_link(d.get("tracking_url"))),
			)
			for d in fact.get("deliveries") or []
		]
		shipped = fact.get("shipped") or ""
		context_orders.append(
			frappe._dict(
				name=name,
				status=_(first.get("order_status") or ""),
				transaction_date=_date(first.get("transaction_date")),
				delivery_date=_date(first.get("delivery_date")),
				expected_ship_date=_date(max(open_dates)) if open_dates else "",
				shipped=_(shipped) if shipped else "",
				deliveries=deliveries,
				tracking=[d for d in deliveries if d.tracking_number or d.tracking_url],
				lines=[
					frappe._dict(
						item_code=escape_html(row.item_code),
						item_name=escape_html(row.get("item_name") or row.item_code),
						qty=frappe.format(row.qty, {"fieldtype": "Float"}),
						expected_ship_date=_date(row.get("expected_ship_date")),
						ship_status=_(row.get("ship_status") or ""),
					)
					for row in rows
				],
			)
		)
	doc = frappe.get_doc("HD Ticket", ticket)
	customer_name = escape_html(frappe.db.get_value("Customer", history["customer"], "customer_name") or "")
	return {
		"ticket": doc,
		"customer": history["customer"],
		"customer_name": customer_name,
		"orders": context_orders,
	}


def render_order_status(ticket: str, orders: list[str]) -> dict:
	"""Subject and HTML body from the Email Template (an admin may edit it)."""
	context = order_status_context(ticket, orders)
	subject, body = EMAIL_SUBJECT, shipped_body()
	if frappe.db.exists("Email Template", EMAIL_TEMPLATE):
		template = frappe.get_doc("Email Template", EMAIL_TEMPLATE)
		subject = template.subject or ""
		body = (template.response_html if template.use_html else template.response) or ""
	return {
		"subject": frappe.render_template(subject, context),
		"message": frappe.render_template(body, context),
		"orders": [order.name for order in context["orders"]],
	}


def shipped_body() -> str:
	return frappe.read_file(frappe.get_app_path("crm_order_extension", *EMAIL_BODY.split("/")[1:]))


def ensure_email_template() -> None:
	"""The Email Template, made when missing (an install step, run once)."""
	if frappe.db.exists("Email Template", EMAIL_TEMPLATE):
		return
	frappe.get_doc(
		{
			"doctype": "Email Template",
			"name": EMAIL_TEMPLATE,
			"subject": EMAIL_SUBJECT,
			"use_html": 1,
			"response_html": shipped_body(),
		}
	).insert(ignore_permissions=True)


def check_can_reply(ticket: str) -> None:
	from helpdesk.utils import is_agent

	if not is_agent():
		deny(_("Only Helpdesk agents may send a reply to the customer of HD Ticket {0}").format(ticket))


def send_order_status(ticket: str, orders: list[str], message: str | None = None) -> dict:
	"""Reply to the customer through Helpdesk's own agent reply (a Communication on the ticket,
	emailed to the one who raised it) with the rendered order status; logged in the activity."""
	check_can_reply(ticket)
	rendered = render_order_status(ticket, orders)
	body = message or rendered["message"]
	doc = frappe.get_doc("HD Ticket", ticket)
	if not doc.raised_by:
		_error(_("HD Ticket {0} has no customer email to reply to").format(ticket))
	doc.reply_via_agent(message=body, to=doc.raised_by)
	log_activity(ticket, _("sent the status of {0} to the customer").format(", ".join(rendered["orders"])))
	communication = frappe.get_all(
		"Communication",
		filters={"reference_doctype": "HD Ticket", "reference_name": ticket, "sent_or_received": "Sent"},
		order_by="creation desc",
		limit=1,
		pluck="name",
	)
	return {
		"communication": communication[0] if communication else None,
		"orders": rendered["orders"],
		"message": _("Order status sent to {0}").format(doc.raised_by),
	}


def log_activity(ticket: str, action: str) -> None:
	"""An entry in the ticket's activity in the agent UI ("<agent> <action>"); an open agent page
	reloads the ticket (Helpdesk's own update event) and shows it."""
	from helpdesk.helpdesk.doctype.hd_ticket_activity.hd_ticket_activity import log_ticket_activity

	from crm_order_extension.orders.history import publish_ticket_update

	log_ticket_activity(ticket, action)
	publish_ticket_update(frappe.db.get_value("HD Ticket", ticket, "name"))


# --- returns ----------------------------------------------------------------------------------


def _returned(item_doctype: str, row_field: str, rows: list[str]) -> dict[str, float]:
	"""Quantity already returned (submitted returns) per source row."""
	if not rows:
		return {}
	item = frappe.qb.DocType(item_doctype)
	parent = frappe.qb.DocType(item_doctype.removesuffix(" Item"))
	query = (
		frappe.qb.from_(item)
		.join(parent)
		.on(parent.name == item.parent)
		.select(item[row_field], item.qty)
		.where((parent.docstatus == 1) & (parent.is_return == 1) & item[row_field].isin(rows))
	)
	returned: dict[str, float] = {}
	for row, qty in query.run():
		returned[row] = returned.get(row, 0) - flt(qty)
	return returned


def _source_rows(doctype: str, customer: str, orders: list[str]) -> list[dict]:
	item_doctype = SOURCES[doctype]
	item = frappe.qb.DocType(item_doctype)
	parent = frappe.qb.DocType(doctype)
	order_field = item.sales_order if doctype == "Sales Invoice" else item.against_sales_order
	query = (
		frappe.qb.from_(item)
		.join(parent)
		.on(parent.name == item.parent)
		.select(
			item.name.as_("row"),
			item.parent.as_("against"),
			order_field.as_("sales_order"),
			item.so_detail,
			item.item_code,
			item.item_name,
			item.qty,
			parent.posting_date,
		)
		.where(
			(parent.docstatus == 1)
			& (parent.is_return == 0)
			& (parent.customer == customer)
			& order_field.isin(orders)
		)
		.orderby(parent.posting_date)
		.orderby(item.idx)
	)
	rows = query.run(as_dict=True)
	for row in rows:
		row.doctype = doctype
	return rows


def return_lines(ticket: str) -> dict:
	"""The lines of the ticket's customer's orders that can be returned: each invoiced line against
	its invoice, each delivered line that is not invoiced against its delivery, with the quantity
	still returnable; and whether the user may create each kind of return."""
	history = ticket_history(ticket)
	customer, orders = history.get("customer"), _ticket_orders(history)
	lines = []
	if customer and orders:
		invoiced = _source_rows("Sales Invoice", customer, orders)
		billed = {row.so_detail for row in invoiced if row.so_detail}
		delivered = [
			row for row in _source_rows("Delivery Note", customer, orders) if row.so_detail not in billed
		]
		for doctype, rows in (("Sales Invoice", invoiced), ("Delivery Note", delivered)):
			returned = _returned(SOURCES[doctype], SOURCE_ROW_FIELD[doctype], [r.row for r in rows])
			for row in rows:
				row.returnable_qty = flt(row.qty) - returned.get(row.row, 0)
				row.posting_date = str(row.posting_date)
				if row.returnable_qty > 0:
					lines.append(row)
	return {
		"customer": customer,
		"lines": lines,
		"can_create": {doctype: bool(frappe.has_permission(doctype, "create")) for doctype in SOURCES},
	}


def check_can_create(doctype: str) -> None:
	if not frappe.has_permission(doctype, "create"):
		label = _("Credit Note") if doctype == "Sales Invoice" else _("return Delivery Note")
		deny(
			_("Starting a return needs permission to create a {0} ({1}), which you do not have").format(
				_(doctype), label
			)
		)


def _make_return(doctype: str, against: str):
	if doctype == "Sales Invoice":
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
	else:
		from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return
	return make_sales_return(against)


def start_return(ticket: str, picks: list[dict]) -> dict:
	"""Draft returns of the picked lines (`picks`: [{row, qty}] from `return_lines`), one per
	invoice or delivery, with only those lines and quantities, linked to the ticket."""
	available = {row.row: row for row in return_lines(ticket)["lines"]}
	if not picks:
		_error(_("Choose at least one line to return"))
	grouped: dict[tuple[str, str], dict[str, float]] = {}
	for pick in picks:
		line = available.get(pick["row"])
		if not line:
			_error(_("Line {0} is not a returnable line of this ticket's customer").format(pick["row"]))
		qty = pick["qty"]
		if qty > line.returnable_qty:
			_error(
				_("At most {0} of {1} ({2}) can be returned").format(
					frappe.format(line.returnable_qty, {"fieldtype": "Float"}),
					line.item_code,
					line.sales_order,
				)
			)
		grouped.setdefault((line.doctype, line.against), {})[line.row] = qty
	for doctype, _against in grouped:
		check_can_create(doctype)
	made = []
	for (doctype, against), picked in grouped.items():
		doc = _make_return(doctype, against)
		items = []
		for item in doc.items:
			qty = picked.get(item.get(SOURCE_ROW_FIELD[doctype]))
			if qty is None:
				continue
			item.qty = -qty
			item.stock_qty = -qty * flt(item.conversion_factor or 1)
			items.append(item)
		doc.set("items", items)
		doc.set(TICKET_FIELD, ticket)
		doc.insert()
		made.append({"doctype": doctype, "name": doc.name, "return_against": against})
		label = _("Credit Note") if doctype == "Sales Invoice" else _("return Delivery Note")
		log_activity(
			ticket, _("started a return: draft {0} {1} against {2}").format(label, doc.name, against)
		)
	names = ", ".join(entry["name"] for entry in made)
	return {"returns": made, "message": _("Draft return {0} created").format(names)}
