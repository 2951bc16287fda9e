"""Deal won -> draft Sales Order: the Frappe side of core.deal_won.

When a CRM Deal moves to a status of type Won (CRM Deal `on_update`, inside the request that
changed the status, so the user sees the outcome), the deal's products (CRM's `products` table,
CRM Products rows whose `product_code` is the ERPNext Item code) become one draft Sales Order of
the deal's customer, linked both ways (`Sales Order.custom_crm_deal`, `CRM Deal.custom_sales_order`).

The customer is the one the order history resolver finds (orders/customer.py); when none matches
it is created from the deal's organization (a Company) or its primary contact (an Individual).
With CRM's ERPNext integration enabled, CRM's own hook creates the customer (Customer.crm_deal)
and that one is used. The status change never fails because of this: the work runs under a
savepoint, a rule the user can act on (unknown items, no products, a customer tie) is shown and
noted on the deal, anything else goes to the Error Log.
"""

import frappe
from frappe import _
from frappe.utils import get_link_to_form, getdate, nowdate

from crm_order_extension import compat
from crm_order_extension.core import deal_won as rules
from crm_order_extension.core.customer_match import AmbiguousCustomer
from crm_order_extension.core.errors import RuleError
from crm_order_extension.orders.customer import LEVEL_LABELS, load_record, resolve_customer
from crm_order_extension.utils.guard import guarded
from crm_order_extension.utils.messages import rule_message

DEAL = "CRM Deal"
SO_LINK = "custom_crm_deal"
DEAL_LINK = "custom_sales_order"
SETTINGS = "CRM Order Extension Settings"
CRM_INTEGRATION = "ERPNext CRM Settings"
SAVEPOINT = "crm_order_extension_deal_won"


# --- What the deal is ---


def is_won(status: str | None) -> bool:
	"""CRM v1.52+ types its deal statuses (CRM Deal Status.type); without a type, the name counts."""
	if not status:
		return False
	status_type = None
	if compat.deal_status_has_type():
		status_type = frappe.db.get_value("CRM Deal Status", status, "type")
	return rules.is_won(status, status_type)


def deal_orders(deal: str) -> list[dict]:
	return frappe.get_all(
		"Sales Order", filters={SO_LINK: deal}, fields=["name", "docstatus"], order_by="creation asc"
	)


def product_rows(deal) -> list[dict]:
	"""The deal's products as (item_code, product_name, qty, rate, net_amount) rows.

	CRM keeps them in `products` (CRM Products), whose `product_code` links a CRM Product named by
	its code: that code is the ERPNext Item code, unless CRM's integration links the product to an
	Item of its own (compat.product_item_field: the Item its quotations use)."""
	rows = deal.get("products") or []
	linked = {}
	field = compat.product_item_field()
	codes = sorted({row.get("product_code") for row in rows if row.get("product_code")})
	if field and codes:
		linked = {
			p.name: p.get(field)
			for p in frappe.get_all("CRM Product", filters={"name": ("in", codes)}, fields=["name", field])
			if p.get(field)
		}
	return [
		{
			"item_code": linked.get(row.get("product_code")) or row.get("product_code"),
			"product_name": row.get("product_name"),
			"qty": row.get("qty"),
			"rate": row.get("rate"),
			"net_amount": row.get("net_amount"),
		}
		for row in rows
	]


def order_lines(deal) -> list[dict]:
	rows = product_rows(deal)
	codes = sorted({r["item_code"] for r in rows if r["item_code"]})
	existing = frappe.get_all("Item", filters={"name": ("in", codes)}, pluck="name") if codes else []
	return rules.check_lines(deal.name, rules.order_lines(rows, existing))


# --- The customer ---


def crm_integration():
	"""CRM's ERPNext integration settings when it runs on this site, else None."""
	if not frappe.db.exists("DocType", CRM_INTEGRATION):
		return None
	settings = frappe.db.get_singles_dict(CRM_INTEGRATION, cast=True)  # "0" is not off
	if not settings.get("enabled") or settings.get("is_erpnext_in_different_site"):
		return None
	return settings


def _resolve(deal_name: str) -> str | None:
	try:
		resolution = resolve_customer(load_record(DEAL, deal_name))
	except AmbiguousCustomer as err:
		raise RuleError(
			_(
				"No Sales Order was created for deal {0}: several customers match it by {1}: {2}. Set the "
				"ERPNext Customer field to choose one."
			),
			deal_name,
			LEVEL_LABELS.get(err.level, err.level),
			", ".join(err.candidates),
		) from err
	return resolution.customer


def primary_contact(deal) -> str | None:
	rows = deal.get("contacts") or []
	for row in rows:
		if row.get("is_primary") and row.get("contact"):
			return row.contact
	if deal.get("contact"):
		return deal.contact
	return next((row.contact for row in rows if row.get("contact")), None)


def create_customer(deal, integration) -> str:
	contact = primary_contact(deal)
	contact_name = None
	if contact:
		found = frappe.db.get_value(
			"Contact", contact, ["full_name", "first_name", "last_name"], as_dict=True
		)
		if found:
			contact_name = found.full_name or " ".join(filter(None, (found.first_name, found.last_name)))
	# CRM names the customer of its integration after the organization record: the same name here
	# keeps CRM from making another (erpnext.crm.frappe_crm_api.create_customer reuses it).
	source = rules.customer_source(deal.get("organization"), contact_name)
	selling = frappe.get_cached_doc("Selling Settings")
	values = {
		"doctype": "Customer",
		"customer_name": source.customer_name,
		"customer_type": source.customer_type,
		"customer_group": selling.customer_group or "All Customer Groups",
		"territory": selling.territory or "All Territories",
	}
	if integration and compat.customer_has_crm_deal_link():
		values["crm_deal"] = deal.name
	# Master data the system makes for the order the user may create (checked before).
	customer = frappe.get_doc(values).insert(ignore_permissions=True).name
	if contact:
		contact_doc = frappe.get_doc("Contact", contact)
		if not any(
			link.link_doctype == "Customer" and link.link_name == customer for link in contact_doc.links
		):
			contact_doc.append("links", {"link_doctype": "Customer", "link_name": customer})
			contact_doc.save(ignore_permissions=True)
	return customer


def tell_crm(deal_name: str, customer: str, integration) -> None:
	"""With CRM's integration on, CRM finds the deal's customer by CRM Deal.erpnext_customer (CRM
	v1.74+) when it makes one for a Sales Order or quotation of the deal: point it at ours, so the
	deal keeps one customer."""
	field = compat.deal_customer_field() if integration else None
	if field and not frappe.db.get_value(DEAL, deal_name, field):
		frappe.db.set_value(DEAL, deal_name, field, customer, update_modified=False)


def find_or_create_customer(deal) -> str:
	"""The resolver's customer; else CRM's (its integration makes one for this status); else a new
	one from the organization or the primary contact. Ties are reported, never guessed."""
	integration = crm_integration()
	customer = _resolve(deal.name)
	if customer:
		tell_crm(deal.name, customer, integration)
		return customer
	crm_customer_for_deal = compat.crm_deal_customer_function()
	if integration and crm_customer_for_deal and compat.deal_customer_field():
		# CRM v1.74+ finds or makes the deal's customer itself (with the deal's contacts and
		# address), as for an order made from the deal's quotation: one customer either way.
		customer = crm_customer_for_deal(deal.name)
		if customer:
			return customer
	if (
		integration
		and integration.get("create_customer_on_status_change")
		and integration.get("deal_status") == deal.status
	):
		# CRM's own on_update hook has run before this one (apps' hooks run in install order); in
		# case it has not, let CRM create its customer now (it reuses one of the same name).
		from crm.fcrm.doctype.erpnext_crm_settings.erpnext_crm_settings import create_customer_in_erpnext

		create_customer_in_erpnext(deal, "on_update")
		customer = _resolve(deal.name)
		if customer:
			tell_crm(deal.name, customer, integration)
			return customer
	customer = create_customer(deal, integration)
	tell_crm(deal.name, customer, integration)
	return customer


# --- The order ---


def order_company() -> str:
	company = frappe.db.get_single_value(SETTINGS, "deal_order_company") or frappe.db.get_single_value(
		"Global Defaults", "default_company"
	)
	if not company:
		raise RuleError(
			_(
				"No Sales Order was created: set a default company in Global Defaults or a Sales Order "
				"Company in CRM Order Extension Settings"
			)
		)
	return company


def with_warehouses(lines: list[dict], company: str) -> list[dict]:
	"""ERPNext wants a delivery warehouse on stock lines even in a draft: the item's default for the
	company, else Stock Settings' default warehouse when it belongs to the company, else the
	company's Stores warehouse (ERPNext makes one per company); none found: ERPNext says so."""
	codes = sorted({line["item_code"] for line in lines})
	defaults = {
		row.parent: row.default_warehouse
		for row in frappe.get_all(
			"Item Default",
			filters={"parenttype": "Item", "parent": ("in", codes), "company": company},
			fields=["parent", "default_warehouse"],
		)
		if row.default_warehouse
	}
	fallback = frappe.db.get_single_value("Stock Settings", "default_warehouse")
	if not fallback or frappe.db.get_value("Warehouse", fallback, "company") != company:
		fallback = frappe.db.get_value(
			"Warehouse", {"company": company, "is_group": 0, "disabled": 0, "warehouse_name": "Stores"}
		)
	return [
		{**line, "warehouse": warehouse}
		if (warehouse := defaults.get(line["item_code"]) or fallback)
		else line
		for line in lines
	]


def create_sales_order(deal_name: str) -> str:
	"""Make the deal's draft Sales Order, link it both ways and show it in the deal's history.
	Raises RuleError for what the user can fix; the caller owns the transaction."""
	deal = frappe.get_doc(DEAL, deal_name)
	lines = order_lines(deal)
	customer = find_or_create_customer(deal)
	company = order_company()
	today = getdate(nowdate())
	closure = getdate(deal.expected_closure_date) if deal.get("expected_closure_date") else None
	delivery = rules.delivery_date(today, closure, frappe.db.get_single_value(SETTINGS, "deal_delivery_days"))
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company,
			"order_type": "Sales",
			"transaction_date": today,
			"delivery_date": delivery,
			SO_LINK: deal.name,
			"items": [{**line, "delivery_date": delivery} for line in with_warehouses(lines, company)],
		}
	)
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	if deal.get("currency") and deal.currency != company_currency:
		order.currency = deal.currency
	order.insert()  # as the user: their Sales Order permissions apply
	_note_short_stock(order)
	frappe.db.set_value(DEAL, deal.name, DEAL_LINK, order.name, update_modified=False)
	_sync_history(deal.name)
	return order.name


def _note_short_stock(order) -> None:
	"""The order's lines short of stock, noted on it (orders/deal_quotes.py); never fails the order."""
	from crm_order_extension.orders.deal_quotes import note_short_stock

	with guarded(SAVEPOINT + "_stock", title=_("Stock note failed for {0}").format(order.name)):
		note_short_stock(order)


def _sync_history(deal_name: str) -> None:
	"""The new draft shows in the deal's order history at once (drafts are not synced by the
	Sales Order events)."""
	from crm_order_extension.orders.history import sync_record

	title = _("Order history sync failed for {0} {1}").format(_(DEAL), deal_name)
	with guarded(SAVEPOINT + "_history", title=title):
		sync_record(DEAL, deal_name)


def note(deal_name: str, message: str) -> None:
	"""Show the message to the user and keep it on the deal's timeline (/crm and Desk)."""
	frappe.msgprint(message, title=_("Sales Order"), indicator="orange")
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": DEAL,
			"reference_name": deal_name,
			"content": frappe.utils.escape_html(message),
		}
	).insert(ignore_permissions=True)


# --- Doc event ---


def on_deal_update(doc, method=None):
	"""CRM Deal on_update: the status just moved to a Won status."""
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch:
		return
	if not doc.has_value_changed("status") or not is_won(doc.status):
		return
	if not rules.should_create_on_won(doc.get(DEAL_LINK), deal_orders(doc.name)):
		return  # once per deal; a cancelled order is replaced only by recreate_sales_order
	if not frappe.has_permission("Sales Order", "create"):
		_guarded(
			doc,
			lambda: note(
				doc.name,
				_(
					"Deal {0} is won. No Sales Order was created: you may not create Sales Orders, a "
					"Sales User must create it."
				).format(doc.name),
			),
		)
		return
	_guarded(doc, lambda: _create_on_won(doc))


def _create_on_won(doc):
	name = create_sales_order(doc.name)
	doc.set(DEAL_LINK, name)  # the saved document the caller gets back shows the link
	frappe.msgprint(
		_("Draft Sales Order {0} created for deal {1}").format(
			get_link_to_form("Sales Order", name), doc.name
		),
		title=_("Sales Order"),
		indicator="green",
	)


def _guarded(doc, fn):
	"""Winning the deal must never fail because of the order: everything is undone to a savepoint;
	what the user can fix is shown and noted on the deal, the rest goes to the Error Log."""
	messages = len(frappe.local.message_log)
	title = _("Sales Order for won deal {0} not created").format(doc.name)
	with guarded(SAVEPOINT, title=title, expected=RuleError) as guard:
		fn()
	err = guard.error
	if isinstance(err, RuleError):
		_note_safely(doc, rule_message(err))
	elif isinstance(err, frappe.ValidationError | frappe.PermissionError):
		# Replace the messages of the failed attempt by one saying what did not happen.
		frappe.local.message_log = frappe.local.message_log[:messages]
		reason = frappe.utils.strip_html(str(err)).strip() or _("see the Error Log")
		_note_safely(
			doc,
			_("No Sales Order was created for deal {0}: {1}").format(doc.name, reason.splitlines()[0]),
		)
	elif err:
		frappe.local.message_log = frappe.local.message_log[:messages]
		_note_safely(doc, _("No Sales Order was created for deal {0}: see the Error Log").format(doc.name))


def _note_safely(doc, message: str) -> None:
	with guarded(SAVEPOINT + "_note", title=_("Note on deal {0} failed").format(doc.name)):
		note(doc.name, message)


# --- Explicit re-create ---


def recreate(deal_name: str) -> str:
	"""Create the order of a won deal whose orders are all cancelled (or that never got one).
	Raises RuleError while an order that is not cancelled exists."""
	status = frappe.db.get_value(DEAL, deal_name, "status")
	if not is_won(status):
		raise RuleError(_("Deal {0} is not won: its Sales Order is created when it is"), deal_name)
	rules.check_recreate(deal_orders(deal_name))
	return create_sales_order(deal_name)
