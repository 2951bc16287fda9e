"""Agent actions from an HD Ticket in the Helpdesk agent UI (/helpdesk): send order status, start a
return. See orders/ticket_actions.py."""

import frappe
from frappe import _

from crm_order_extension.api.utils import (
	JSONValue,
	check_permitted,
	client_error,
	names_arg,
	optional,
	required,
)
from crm_order_extension.orders import ticket_actions

MAX_MESSAGE_LENGTH = 100_000
MAX_QTY = 1e9


def _ticket(ticket) -> str:
	ticket = str(required(ticket, _("Ticket")))
	check_permitted("HD Ticket", ticket)
	return ticket


def _orders(orders) -> list[str]:
	return names_arg(orders, _("Orders"))


@frappe.whitelist(methods=["GET", "POST"])
def preview_order_status(ticket: JSONValue = None, orders: JSONValue = None) -> dict:
	"""The order status reply as it would be sent: `ticket` (an HD Ticket), `orders` (Sales Order
	names of the ticket's customer: a list, a JSON array or one name)."""
	ticket = _ticket(ticket)
	return ticket_actions.render_order_status(ticket, _orders(orders))


@frappe.whitelist(methods=["POST"])
def send_order_status(ticket: JSONValue = None, orders: JSONValue = None, message: JSONValue = None) -> dict:
	"""Reply to the ticket's customer with the status of `orders` through Helpdesk's agent reply;
	`message` (optional HTML) replaces the rendered body (the agent's edit of the preview)."""
	ticket = _ticket(ticket)
	orders = _orders(orders)
	message = optional(message, _("Message"), max_length=MAX_MESSAGE_LENGTH)
	return ticket_actions.send_order_status(ticket, orders, message)


@frappe.whitelist(methods=["GET", "POST"])
def get_return_lines(ticket: JSONValue = None) -> dict:
	"""The returnable lines of the ticket's customer's orders (see orders.ticket_actions)."""
	return ticket_actions.return_lines(_ticket(ticket))


def _picks(lines) -> list[dict]:
	"""[{row, qty}]: a list or its JSON text, each row a source line name, each qty above 0."""
	if isinstance(lines, str):
		try:
			lines = frappe.parse_json(lines)
		except Exception:
			lines = None
	if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
		client_error(_("Lines must be a list of {0} objects").format('{"row": …, "qty": …}'))
	picks = []
	for line in lines:
		row = required(line.get("row"), _("Line"))
		try:
			qty = float(line.get("qty"))
		except (TypeError, ValueError):
			qty = None
		if qty is None or not 0 < qty < MAX_QTY:
			client_error(_("Quantity of line {0} must be a number above 0").format(row))
		picks.append({"row": str(row), "qty": qty})
	return picks


@frappe.whitelist(methods=["POST"])
def start_return(ticket: JSONValue = None, lines: JSONValue = None) -> dict:
	"""Draft return(s) of the picked lines, linked to the ticket: `lines` is a list of
	{"row": <line from get_return_lines>, "qty": <quantity to return>}."""
	ticket = _ticket(ticket)
	return ticket_actions.start_return(ticket, _picks(lines))
