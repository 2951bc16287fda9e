"""Rules for turning a won CRM Deal into a draft ERPNext Sales Order (frappe-free).

A deal is won when its status is of type "Won" (CRM Deal Status.type, CRM v1.52 and later) or,
where a status has no type, when the status is named "Won". Each deal gets one order: a second
Won does nothing, and a cancelled order is only replaced by an explicit re-create, refused while
an order that is not cancelled exists. The order is made from the deal's products whole or not at
all: products without a matching ERPNext Item are listed and no order is made.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from crm_order_extension.core.errors import RuleError, _

WON = "Won"
DEFAULT_DELIVERY_DAYS = 7
CANCELLED = 2

COMPANY = "Company"
INDIVIDUAL = "Individual"


def is_won(status: str | None, status_type: str | None) -> bool:
	"""A status of type Won, or one named Won where statuses carry no type."""
	if status_type:
		return status_type == WON
	return (status or "") == WON


def active_orders(orders: Iterable[Mapping]) -> list[str]:
	"""Names of the orders (name, docstatus) that are not cancelled."""
	return [o["name"] for o in orders if int(o.get("docstatus") or 0) != CANCELLED]


def should_create_on_won(linked_order: str | None, orders: Iterable[Mapping]) -> bool:
	"""Once per deal: only a deal that never had an order gets one when it is won."""
	return not linked_order and not list(orders)


def check_recreate(orders: Iterable[Mapping]) -> None:
	"""Re-creating is refused while an order of the deal is not cancelled."""
	active = active_orders(orders)
	if active:
		raise RuleError(
			_("Sales Order {0} of this deal is not cancelled: cancel it before creating a new one"),
			", ".join(active),
		)


@dataclass(frozen=True)
class CustomerSource:
	customer_name: str
	customer_type: str


def customer_source(organization_name: str | None, contact_name: str | None) -> CustomerSource:
	"""What a new Customer is made from: the deal's organization (a Company) or else its primary
	contact (an Individual)."""
	organization_name = " ".join((organization_name or "").split())
	if organization_name:
		return CustomerSource(organization_name, COMPANY)
	contact_name = " ".join((contact_name or "").split())
	if contact_name:
		return CustomerSource(contact_name, INDIVIDUAL)
	raise RuleError(_("The deal has neither an organization nor a contact to create the customer from"))


@dataclass
class OrderLines:
	lines: list[dict] = field(default_factory=list)
	missing: list[str] = field(default_factory=list)


def _number(value) -> float:
	try:
		return float(value or 0)
	except (TypeError, ValueError):
		return 0.0


def order_lines(products: Iterable[Mapping], existing_items: Iterable[str]) -> OrderLines:
	"""Sales Order lines of the deal's product rows (item_code, product_name, qty, rate,
	net_amount); `missing` lists the products that are not ERPNext Items, in row order.

	The rate is the row's net rate (after CRM's discount) where CRM computed one."""
	existing = set(existing_items)
	result = OrderLines()
	for row in products:
		code = (row.get("item_code") or "").strip()
		if not code or code not in existing:
			label = code or (row.get("product_name") or "").strip() or "?"
			if label not in result.missing:
				result.missing.append(label)
			continue
		qty = _number(row.get("qty")) or 1.0
		net_amount = _number(row.get("net_amount"))
		rate = net_amount / qty if net_amount else _number(row.get("rate"))
		result.lines.append({"item_code": code, "qty": qty, "rate": round(rate, 9)})
	return result


def check_lines(deal: str, result: OrderLines) -> list[dict]:
	"""The lines, or why no order can be made: never a half-filled order."""
	if result.missing:
		raise RuleError(
			_("No Sales Order was created for deal {0}: these products are not ERPNext Items: {1}"),
			deal,
			", ".join(result.missing),
		)
	if not result.lines:
		raise RuleError(_("No Sales Order was created for deal {0}: the deal has no products"), deal)
	return result.lines


def delivery_date(today: date, expected_closure: date | None, days: int | None) -> date:
	"""The deal's expected closure date when it is still ahead, else today plus the setting (an
	unset or non-positive setting means the default, 7 days)."""
	if expected_closure and expected_closure > today:
		return expected_closure
	if not days or days < 0:
		days = DEFAULT_DELIVERY_DAYS
	return today + timedelta(days=days)
