"""What differs between the Frappe CRM and Helpdesk releases this app runs on, detected by
capability (a field, a method, a hook), never by a version string: one function per difference,
all of them here. The README's Requirements table lists them with the releases they were seen on
(CRM v1.52.1 and v1.81.1, Helpdesk v1.5.0 and v1.25.1).

The Helpdesk agent UI's differences are detected in the browser by the HD Form Script
(public/js/form_scripts/hd_ticket.js): which sidebar it can anchor the order summary on, and how the
header renders a form-script action.
"""

import frappe

# --- CRM Lead: when CRM gives a new lead its status -------------------------------------------


def lead_status_set_by_controller() -> bool:
	"""CRM v1.52 defaults CRM Lead.status to "New" in the DocType, so a new lead has it before
	CRM's `before_validate` picks an SLA. Later releases (v1.70+) leave the field without a default
	and set it in `validate()` (CRMLead.validate_status), after the SLA was picked."""
	field = frappe.get_meta("CRM Lead").get_field("status")
	return not (field and field.default) and callable(getattr(_lead_class(), "validate_status", None))


def _lead_class():
	from frappe.model.base_document import get_controller

	return get_controller("CRM Lead")


def set_new_lead_status(doc) -> None:
	"""Give a new lead without a status the one CRM would give it, before CRM's SLA is picked
	(a `before_insert` hook runs before `before_validate`): CRM's own rule, by its own method."""
	if doc.get("status") or not doc.is_new() or not lead_status_set_by_controller():
		return
	doc.validate_status()


# --- CRM SLA: rolling responses --------------------------------------------------------------


def sla_has_rolling_responses() -> bool:
	"""CRM v1.56+ can restart an SLA's response clock itself ("Rolling Responses" on the SLA): on
	every save of a record still waiting for a reply it moves `response_by` to now + the target and
	sets sla_status "Rolling Response Due". This app runs that clock itself (one cycle per customer
	email, sla/cycles.py), so its cycle stays the clock: see sla.records.keep_cycle_clock."""
	return frappe.get_meta("CRM Service Level Agreement").has_field("rolling_responses")


def sla_rolls_responses(sla_name: str | None) -> bool:
	if not sla_name or not sla_has_rolling_responses():
		return False
	return bool(frappe.db.get_value("CRM Service Level Agreement", sla_name, "rolling_responses"))


# --- CRM record permissions ------------------------------------------------------------------
# Nothing to detect: CRM v1.81's sales hierarchy (crm.permissions.org_hierarchy) answers Frappe's
# has_permission for leads and deals (a Sales User reads the ones it owns or is assigned; CRM v1.52
# grants by role, leads to every user), and every order-history endpoint asks has_permission on
# the record first, so histories follow CRM's rules on each release.


# --- CRM's ERPNext integration ---------------------------------------------------------------


def deal_status_has_type() -> bool:
	"""CRM v1.52+ types its deal statuses (CRM Deal Status.type: Open, Ongoing, Won, Lost...)."""
	return frappe.get_meta("CRM Deal Status").has_field("type")


def customer_has_crm_deal_link() -> bool:
	"""CRM's ERPNext integration adds Customer.crm_deal (the deal a customer was made for)."""
	return frappe.get_meta("Customer").has_field("crm_deal")


def product_item_field() -> str | None:
	"""CRM v1.7x+ links a CRM Product to its ERPNext Item (CRM Product.erpnext_item_code, a custom
	field its integration adds) and fills quotations with that Item; earlier a product's code is
	the Item code."""
	return "erpnext_item_code" if frappe.get_meta("CRM Product").has_field("erpnext_item_code") else None


def integration_blocks_new_products() -> bool:
	"""CRM v1.7x+ refuses to create a CRM Product while its same-site ERPNext integration syncs
	products (CRM Products are then made from ERPNext Items)."""
	try:
		from crm.integrations.erpnext.utils import should_push_to_erpnext
	except ImportError:
		return False
	return bool(should_push_to_erpnext())


def crm_deal_customer_function():
	"""CRM v1.74+ finds or creates the ERPNext Customer of a deal itself
	(`check_customer_for_deal`, which its Sales Order `before_validate` hook uses for an order made
	from a deal's quotation); earlier releases only make one on a status change. None where
	missing."""
	try:
		from crm.fcrm.doctype.erpnext_crm_settings.erpnext_crm_settings import check_customer_for_deal
	except ImportError:
		return None
	return check_customer_for_deal


def deal_customer_field() -> str | None:
	"""CRM v1.74+ also keeps the integration's customer on the deal (CRM Deal.erpnext_customer, a
	custom field its integration adds), and reads it before Customer.crm_deal."""
	return "erpnext_customer" if frappe.get_meta("CRM Deal").has_field("erpnext_customer") else None


# Helpdesk ticket SLA notices (crm_order_extension/ticket_sla) ------------------------------------


def ticket_statuses_have_categories() -> bool:
	"""Helpdesk v1.2x: statuses are HD Ticket Status records with a category (Open, Paused,
	Resolved) copied to `HD Ticket.status_category`; v1.5: fixed options, the SLA lists its own."""
	return frappe.get_meta("HD Ticket").has_field("status_category") and frappe.db.table_exists(
		"HD Ticket Status"
	)


def closed_ticket_statuses() -> list[str]:
	"""Statuses in which a ticket's SLA is fulfilled: category Resolved (v1.2x), else every SLA's
	`sla_fulfilled_on` statuses plus Resolved and Closed (v1.5)."""
	if ticket_statuses_have_categories():
		return frappe.get_all("HD Ticket Status", filters={"category": "Resolved"}, pluck="name")
	fulfilled = frappe.get_all(
		"HD Service Level Agreement Fulfilled On Status", pluck="status", distinct=True
	)
	return sorted({"Resolved", "Closed", *fulfilled})


def helpdesk_sla_status_job():
	"""Helpdesk v1.2x refreshes every open ticket's `agreement_status` hourly
	(`update_sla_status_in_ticket`: one document load per ticket); v1.5 only on save. None there."""
	from helpdesk.helpdesk.doctype.hd_ticket import hd_ticket

	return getattr(hd_ticket, "update_sla_status_in_ticket", None)


def paused_ticket_shows_failed() -> bool:
	"""Whether Helpdesk's own `handle_agreement_status` shows Failed (v1.2x) or Paused (v1.5) for a
	paused ticket whose target passed: asked of Helpdesk itself, on documents never saved."""
	from frappe.utils import add_to_date, now_datetime

	sla = frappe.new_doc("HD Service Level Agreement")
	sla.apply_sla_for_resolution = 0
	ticket = frappe._dict(
		on_hold_since=now_datetime(),
		first_responded_on=None,
		response_by=add_to_date(now_datetime(), hours=-1),
		resolution_by=None,
		resolution_date=None,
	)
	sla.handle_agreement_status(ticket)
	return ticket.agreement_status == "Failed"


def hd_notification_type_for_notices() -> str:
	"""The HD Notification type an SLA notice uses. The type has no SLA option on any release. Where
	the agent UI shows a "Reaction" notification's own `message` (v1.2x: `n.message || "has reopened
	the ticket"`) that type carries the notice's text and opens the ticket; elsewhere "Assignment"
	("assigned you a ticket") is the least surprising of the three, which v1.5 renders only by type:
	"Reaction" reads "has reopened the ticket", and "Mention" ("mentioned you in ticket") links to a
	comment and makes Helpdesk send a "New notification" email of its own on insert."""
	return "Reaction" if _notification_panel()["shows_message"] else "Assignment"


def hd_notification_sender_for_notices(label: str) -> str:
	"""The `user_from` of an SLA notice's HD Notification. Where the panel shows neither the
	notification's message nor a sender's name but the `user_from` value itself, first and in bold
	(v1.5: "<user_from> assigned you a ticket <ticket>"), it is `label` (e.g. "SLA failed", in the
	reader's language), so the entry says what it is about instead of naming the user whose session
	ran the sweep as the one who assigned the ticket; else that user, as Helpdesk's own notifications
	have it. The value is then no User: the notice is inserted with `ignore_links`; Helpdesk marks it
	read with `db.set_value` and nothing else reads the field as a user."""
	panel = _notification_panel()
	if panel["shows_sender_value"] and not panel["shows_message"]:
		return label
	return frappe.session.user


def _notification_panel() -> dict:
	"""How the agent UI's notifications panel renders an entry, read once per process from its
	sources (desk/src/components/notifications), else from its built assets."""
	global _PANEL
	if _PANEL is None:
		import glob
		import os
		import re

		shows_message = re.compile(r"message\s*\|\|\s*[\"'`]has reopened the ticket")
		app = frappe.get_app_path("helpdesk")
		source = os.path.join(os.path.dirname(app), "desk", "src", "components", "notifications")
		paths = glob.glob(os.path.join(source, "*.vue"))
		# the sender cell: `{{ n.user_from }}` in the source, `toDisplayString(n.user_from)` built
		shows_sender_value = re.compile(r"\{\{\s*\w+\.user_from\s*\}\}")
		if not paths:
			paths = glob.glob(os.path.join(app, "public", "desk", "assets", "*.js"))
			shows_sender_value = re.compile(r"\b\w+\(\s*\w+\.user_from\s*\)")
		panel = {"shows_message": False, "shows_sender_value": False}
		for path in paths:
			with open(path, errors="ignore") as f:
				text = f.read()
			panel["shows_message"] = panel["shows_message"] or bool(shows_message.search(text))
			panel["shows_sender_value"] = panel["shows_sender_value"] or bool(shows_sender_value.search(text))
		_PANEL = panel
	return _PANEL


_PANEL = None


# --- CRM deals: quotations and products (orders/deal_quotes.py) --------------------------------


def quotation_deal_field() -> str | None:
	"""CRM's ERPNext integration (both releases) adds Quotation.crm_deal, which its *Create
	Quotation* fills; CRM v1.52 also makes the quotation *to* the deal (quotation_to "CRM Deal",
	party_name the deal), v1.81 to the deal's customer. None where the field is missing."""
	return "crm_deal" if frappe.get_meta("Quotation").has_field("crm_deal") else None


def deal_has_products() -> bool:
	"""CRM Deal.products (CRM Products rows): present on CRM v1.52.1 and v1.81.1, asked once per
	process in case a release lacks it."""
	global _deal_has_products
	if _deal_has_products is None:
		_deal_has_products = frappe.get_meta("CRM Deal").has_field("products")
	return _deal_has_products


_deal_has_products = None
