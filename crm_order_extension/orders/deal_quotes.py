"""A deal's quotations and the stock of its products (the Frappe side of core.deal_quotes).

Quotations of a deal: those CRM's *Create Quotation* made for it (Quotation.crm_deal, or
quotation_to "CRM Deal" with the deal as party on CRM v1.52) and those made in ERPNext for the
deal's customer (its ERPNext Customer fields, CRM's integration customer, the resolved order
customer) unless they name another deal. Stock: Bin quantities summed over the company's
warehouses, open Work Orders and Purchase Orders as supplies. Each in a fixed number of queries.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import get_datetime, getdate, nowdate

from crm_order_extension import compat
from crm_order_extension.core import deal_quotes as rules

DEAL = "CRM Deal"
CUSTOMER_FIELDS = ("custom_erpnext_customer", "custom_order_customer")
OPEN_WORK_ORDER = ("Not Started", "In Process")
CLOSED_PURCHASE_ORDER = ("Closed", "Completed", "On Hold", "Delivered", "Cancelled")
STATE_COLORS = {"Open": "blue", "Ordered": "green", "Lost": "red", "Expired": "gray", "Draft": "orange"}


# --- Quotations ---


def deal_customers(deal: str) -> list[str]:
	fields = [f for f in (*CUSTOMER_FIELDS, compat.deal_customer_field()) if f]
	meta = frappe.get_meta(DEAL)
	values = frappe.db.get_value(DEAL, deal, [f for f in fields if meta.has_field(f)], as_dict=True) or {}
	customers = {v for v in values.values() if v}
	if compat.customer_has_crm_deal_link():
		customers.update(frappe.get_all("Customer", filters={"crm_deal": deal}, pluck="name"))
	return sorted(customers)


def quotations(deal: str) -> dict:
	"""The deal's quotations the user may read (cancelled ones left out), newest first."""
	if not frappe.has_permission("Quotation", "read"):
		return {"quotations": [], "permitted": False}
	customers = deal_customers(deal)
	link = compat.quotation_deal_field()
	or_filters = [["party_name", "in", [deal, *customers]]]
	if link:
		or_filters.append([link, "=", deal])
	fields = [
		"name",
		"status",
		"docstatus",
		"quotation_to",
		"party_name",
		"transaction_date",
		"valid_till",
		"grand_total",
		"currency",
		*([link] if link else []),
	]
	rows = frappe.get_list(
		"Quotation",
		filters={"docstatus": ("<", 2)},
		or_filters=or_filters,
		fields=fields,
		order_by="transaction_date desc, creation desc",
	)
	today = getdate(nowdate())
	result = []
	for row in rows:
		own = bool(link and row.get(link) == deal) or (row.quotation_to == DEAL and row.party_name == deal)
		other_deal = bool(link and row.get(link) and row.get(link) != deal)
		by_customer = row.quotation_to == "Customer" and row.party_name in customers
		if not own and (other_deal or not by_customer):
			continue
		state = rules.quotation_state(
			row.status, row.docstatus, getdate(row.valid_till) if row.valid_till else None, today
		)
		result.append(
			{
				"name": row.name,
				"state": state,
				"state_label": _(state),
				"color": STATE_COLORS.get(state, "gray"),
				"transaction_date": row.transaction_date,
				"valid_till": row.valid_till,
				"grand_total": row.grand_total,
				"currency": row.currency,
				"party": row.party_name,
				"url": f"/app/quotation/{row.name}",
			}
		)
	return {"quotations": result, "permitted": True}


# --- Stock ---


def stock_of(lines: list[dict], company: str) -> list[rules.LineStock]:
	"""Stock and ship date of each line at `company` (three queries)."""
	codes = sorted({line["item_code"] for line in lines})
	if not codes:
		return []
	bin_, wh = frappe.qb.DocType("Bin"), frappe.qb.DocType("Warehouse")
	stock = {
		row.item_code: row
		for row in (
			frappe.qb.from_(bin_)
			.join(wh)
			.on(wh.name == bin_.warehouse)
			.select(
				bin_.item_code,
				Sum(bin_.actual_qty).as_("actual_qty"),
				Sum(bin_.projected_qty).as_("projected_qty"),
			)
			.where((wh.company == company) & bin_.item_code.isin(codes))
			.groupby(bin_.item_code)
			.run(as_dict=True)
		)
	}
	wo = frappe.qb.DocType("Work Order")
	work_orders = (
		frappe.qb.from_(wo)
		.select(
			wo.name,
			wo.production_item,
			(wo.qty - wo.produced_qty).as_("remaining"),
			Coalesce(wo.planned_end_date, wo.expected_delivery_date, wo.planned_start_date).as_("on"),
		)
		.where(
			(wo.docstatus == 1)
			& (wo.company == company)
			& wo.production_item.isin(codes)
			& wo.status.isin(OPEN_WORK_ORDER)
			& (wo.qty > wo.produced_qty)
		)
		.run(as_dict=True)
	)
	po, poi = frappe.qb.DocType("Purchase Order"), frappe.qb.DocType("Purchase Order Item")
	purchases = (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			po.name,
			poi.item_code,
			((poi.qty - poi.received_qty) * poi.conversion_factor).as_("remaining"),
			poi.schedule_date.as_("on"),
		)
		.where(
			(po.docstatus == 1)
			& (po.company == company)
			& po.status.notin(CLOSED_PURCHASE_ORDER)
			& poi.item_code.isin(codes)
			& (poi.qty > poi.received_qty)
		)
		.run(as_dict=True)
	)
	supplies = [
		rules.Supply(r.production_item, float(r.remaining), getdate(get_datetime(r.on)), "Work Order", r.name)
		for r in work_orders
		if r.on
	] + [
		rules.Supply(r.item_code, float(r.remaining), getdate(r.on), "Purchase Order", r.name)
		for r in purchases
		if r.on
	]
	return rules.line_stock(lines, stock, supplies, getdate(nowdate()))


def stock(lines: list[dict], company: str) -> dict:
	"""The deal's product lines (item_code, product_name, qty; orders/deal_won.product_rows) with
	their stock at `company`."""
	lines = [line for line in lines if line.get("item_code")]
	rows = stock_of(lines, company)
	return {
		"company": company,
		"has_products": compat.deal_has_products(),
		"lines": [
			{
				"item_code": row.item_code,
				"product_name": line.get("product_name") or row.item_code,
				"qty": row.qty,
				"available": row.available,
				"projected": row.projected,
				"shortfall": row.shortfall,
				"ship_date": row.ship_date,
				"source": row.source,
				"source_name": row.source_name,
				"source_url": f"/app/{frappe.scrub(row.source).replace('_', '-')}/{row.source_name}"
				if row.source
				else None,
			}
			for line, row in zip(lines, rows, strict=True)
		],
	}


# --- Deal won -> Sales Order: the lines short of stock ---


def note_short_stock(order) -> None:
	"""A comment on the deal's new Sales Order listing the lines its company's stock does not cover
	today, with the date each can ship (or none)."""
	lines = [{"item_code": i.item_code, "qty": i.stock_qty or i.qty} for i in order.items]
	short = rules.short_lines(stock_of(lines, order.company))
	if not short:
		return
	items = "".join(
		"<li>{}</li>".format(
			_("{0}: {1} short, ships {2}").format(
				frappe.utils.escape_html(row.item_code),
				frappe.format(row.shortfall, "Float"),
				frappe.format(row.ship_date, "Date") if row.ship_date else _("no date (no stock or supply)"),
			)
		)
		for row in short
	)
	order.add_comment("Comment", "{}<ul>{}</ul>".format(_("Lines short of stock:"), items))
