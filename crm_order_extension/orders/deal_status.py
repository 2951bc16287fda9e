"""Deal status rules: a submitted quotation, or the deal's orders paid, move the deal to the status
chosen in CRM Order Extension Settings (each rule off by default).

A move is written like a move in CRM's UI (CRM's `add_status_change_log` closes the open status
log row and starts the next) and recorded as a *CRM Deal Status Move* whose `event` is unique: one
move per event (a quotation, a set of paid orders). It never overrides a Won or Lost status the
user set after the rules' own last move. The deal is not saved (its status is set in the
database), so no deal hook runs again: Deal won → Sales Order (orders/deal_won.py, on the deal's
`on_update`) is never triggered by a rule, and the rules never loop.
"""

import frappe
from frappe.utils import now_datetime

from crm_order_extension import compat
from crm_order_extension.core import deal_quotes as rules
from crm_order_extension.jobs import request_job
from crm_order_extension.pipelines.common import submitted_invoices
from crm_order_extension.utils.guard import guarded

DEAL = "CRM Deal"
MOVE = "CRM Deal Status Move"
SETTINGS = "CRM Order Extension Settings"
QUOTATION_RULE = "Quotation Submitted"
PAID_RULE = "Orders Paid"
SAVEPOINT = "crm_order_extension_deal_status"


def rule_target(flag: str, field: str) -> str | None:
	values = frappe.db.get_singles_dict(SETTINGS, cast=True)
	return values.get(field) if values.get(flag) else None


# --- The move ---


def move(deal: str, rule: str, event: str, target: str) -> bool:
	"""Move `deal` to `target` for `event` unless the rules say no; True when it moved."""
	if not target or not frappe.db.exists("CRM Deal Status", target):
		return False
	current = frappe.db.get_value(DEAL, deal, "status", for_update=True)
	if current is None:
		return False
	status_type = (
		frappe.db.get_value("CRM Deal Status", current, "type") if compat.deal_status_has_type() else None
	)
	final = rules.is_final(current, status_type)
	set_at = last_rule_move = None
	if final:
		set_at = frappe.db.get_value(
			"CRM Status Change Log",
			{"parenttype": DEAL, "parent": deal, "from": current},
			"from_date",
			order_by="idx desc",
		)
		last_rule_move = frappe.db.get_value(MOVE, {"deal": deal}, "moved_on", order_by="moved_on desc")
	seen = bool(frappe.db.exists(MOVE, {"event": event}))
	if not rules.should_move(current, final, target, set_at, last_rule_move, seen):
		return False
	moved_on = log_status_change(deal, current, target)
	frappe.get_doc(
		{
			"doctype": MOVE,
			"deal": deal,
			"rule": rule,
			"event": event,
			"from_status": current,
			"to_status": target,
			"moved_on": moved_on,
		}
	).insert(ignore_permissions=True)
	return True


def log_status_change(deal: str, old: str, new: str):
	"""Set the deal's status and log the move with CRM's own helper, as a save from the UI would,
	without saving the deal (no deal hook runs again). Returns when the new status began."""
	from crm.fcrm.doctype.crm_status_change_log.crm_status_change_log import add_status_change_log
	from frappe.model.naming import set_new_name

	doc = frappe.get_doc(DEAL, deal)
	existing = {row.name for row in doc.status_change_log}
	doc._doc_before_save = frappe._dict(status=old)
	doc.status = new
	add_status_change_log(doc)
	started = now_datetime()
	for row in doc.status_change_log:
		if row.name not in existing:
			set_new_name(row)
			row.db_insert()
			started = row.from_date or started
		elif row is doc.status_change_log[-2]:
			row.db_update()
	values = {"status": new}
	# CRM v1.7x+ stamps the closed date of a won deal (and its probability) in its validate
	for method, field in (
		("update_closed_date", "closed_date"),
		("update_default_probability", "probability"),
	):
		before = doc.get(field)
		if callable(getattr(doc, method, None)):
			getattr(doc, method)()
			if doc.get(field) != before:
				values[field] = doc.get(field)
	frappe.db.set_value(DEAL, deal, values)
	return started


# --- Quotation submitted ---


def quotation_deal(doc) -> str | None:
	"""The deal a quotation was made for: Quotation.crm_deal (CRM's integration), the deal as its
	party (CRM v1.52), else the deal CRM made the customer for (Customer.crm_deal)."""
	link = compat.quotation_deal_field()
	if link and doc.get(link) and frappe.db.exists(DEAL, doc.get(link)):
		return doc.get(link)
	if doc.get("quotation_to") == DEAL and doc.get("party_name"):
		return doc.party_name
	if doc.get("quotation_to") == "Customer" and compat.customer_has_crm_deal_link():
		deal = frappe.db.get_value("Customer", doc.party_name, "crm_deal")
		if deal and frappe.db.exists(DEAL, deal):
			return deal
	return None


def on_quotation_submit(doc, method=None):
	if not rule_target("quotation_status_rule", "quotation_deal_status"):
		return
	deal = quotation_deal(doc)
	if deal:
		request_job(
			"crm_order_extension.orders.deal_status.apply_quotation_rule",
			key=f"deal_status:quotation:{doc.name}",
			deal=deal,
			quotation=doc.name,
		)


def apply_quotation_rule(deal: str, quotation: str) -> None:
	target = rule_target("quotation_status_rule", "quotation_deal_status")
	if not target or frappe.db.get_value("Quotation", quotation, "docstatus") != 1:
		return
	with guarded(SAVEPOINT, title=f"Deal status rule failed for {deal}"):
		move(deal, QUOTATION_RULE, f"quotation:{quotation}", target)


# --- Orders paid ---


def deals_of_invoices(invoices: list[str]) -> list[str]:
	if not invoices:
		return []
	sii, so = frappe.qb.DocType("Sales Invoice Item"), frappe.qb.DocType("Sales Order")
	return [
		r[0]
		for r in frappe.qb.from_(sii)
		.join(so)
		.on(so.name == sii.sales_order)
		.select(so.custom_crm_deal)
		.distinct()
		.where(sii.parent.isin(invoices) & so.custom_crm_deal.isnotnull() & (so.custom_crm_deal != ""))
		.run()
	]


def request_paid_checks(deals) -> None:
	if not rule_target("paid_status_rule", "paid_deal_status"):
		return
	for deal in sorted(set(deals)):
		request_job(
			"crm_order_extension.orders.deal_status.apply_paid_rule",
			key=f"deal_status:paid:{deal}",
			deal=deal,
		)


def on_invoice_change(doc, method=None):
	"""Sales Invoice on_submit / on_cancel."""
	request_paid_checks(deals_of_invoices([doc.name]))


def on_payment_change(doc, method=None):
	"""Payment Entry on_submit / on_cancel: the deals of the invoices (and orders) it settles."""
	if doc.get("payment_type") != "Receive":
		return
	invoices = [
		r.reference_name for r in doc.get("references") or [] if r.reference_doctype == "Sales Invoice"
	]
	orders = [r.reference_name for r in doc.get("references") or [] if r.reference_doctype == "Sales Order"]
	deals = deals_of_invoices(invoices)
	if orders:
		deals += frappe.get_all(
			"Sales Order",
			filters={"name": ("in", orders), "custom_crm_deal": ("is", "set")},
			pluck="custom_crm_deal",
		)
	request_paid_checks(deals)


def apply_paid_rule(deal: str) -> None:
	target = rule_target("paid_status_rule", "paid_deal_status")
	if not target:
		return
	orders = frappe.get_all(
		"Sales Order", filters={"custom_crm_deal": deal, "docstatus": 1}, fields=["name", "per_billed"]
	)
	invoices = submitted_invoices([o.name for o in orders])
	if not rules.orders_paid(orders, invoices):
		return
	with guarded(SAVEPOINT, title=f"Deal status rule failed for {deal}"):
		move(deal, PAID_RULE, rules.paid_event(orders), target)


def delete_moves(doc, method=None) -> None:
	"""on_trash of a CRM Deal: the rules' record of its moves goes with it."""
	frappe.db.delete(MOVE, {"deal": doc.name})
