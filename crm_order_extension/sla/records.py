"""Lead and deal events: log the cycle CRM starts on insert, carry a lead's running cycle over to
its deal, and settle the resolution target when a lead leaves the open states."""

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from crm_order_extension import compat
from crm_order_extension.core import sla as rules
from crm_order_extension.sla import cycles
from crm_order_extension.sla.setup import DEAL_SLA
from crm_order_extension.utils.guard import guarded

OPEN_STATES = (rules.NEW, rules.CONTACTED, rules.OPEN)


def _guarded(fn, doc):
	"""Creating or updating a lead must never fail because of SLA bookkeeping."""
	title = _("SLA bookkeeping failed for {0} {1}").format(_(doc.doctype), doc.name)
	with guarded("crm_order_extension_sla_record", title=title):
		fn(doc)


# What CRM's Convert to Deal copies from the lead but belongs to the lead: its cycle log and SLA
# state (the deal gets one carried cycle) and its order history (the deal resolves its own).
# custom_erpnext_customer, an explicit choice of customer, is meant to carry over.
LEAD_ONLY_FIELDS = {
	"custom_sla_cycles": [],
	"custom_resolution_by": None,
	"custom_resolution_status": None,
	"custom_sla_at_risk_notified": 0,
	"custom_sla_sweep_token": None,
	"custom_order_history_hash": None,
	"custom_orders_synced_on": None,
	"custom_order_customer": None,
	"custom_order_match_level": None,
	"custom_order_sync_message": None,
}


def on_lead_before_insert(doc, method=None):
	"""A new lead has its status before CRM picks its SLA (CRM's `before_validate`), whichever way
	CRM defaults it (compat.set_new_lead_status): the Lead Response SLA's condition reads it."""
	compat.set_new_lead_status(doc)


def keep_cycle_clock(doc, method=None):
	"""`before_save` of a lead or deal, after CRM's own `apply_sla`: while a cycle runs, its target
	is the record's. CRM's rolling responses (compat.sla_rolls_responses, an SLA option since CRM
	v1.56) would move `response_by` to now + the target on every save of a record waiting for a
	reply and set "Rolling Response Due", which the sweep does not know; the app restarts the clock
	itself on every customer email (sla/communication.py), so there is one clock: the cycle's. The
	sweep, not a save, marks a passed target Failed (and tells the owner)."""
	if doc.is_new() or not compat.sla_rolls_responses(doc.get("sla")):
		return
	cycle = cycles.running_cycle(doc.doctype, doc.name)
	if not cycle or not cycle.response_by:
		return
	doc.sla_creation = cycle.cycle_start
	doc.response_by = cycle.response_by
	doc.sla_status = rules.FIRST_RESPONSE_DUE


def on_deal_before_insert(doc, method=None):
	if doc.get("lead"):
		for fieldname, empty in LEAD_ONLY_FIELDS.items():
			doc.set(fieldname, empty)


def on_record_insert(doc, method=None):
	if doc.doctype == "CRM Deal" and doc.get("lead"):
		_guarded(carry_over_from_lead, doc)
		_guarded(sync_order_history, doc)
	else:
		_guarded(log_initial_cycle, doc)


def sync_order_history(deal):
	"""A converted deal shows its customer's orders at once, resolved for the deal itself."""
	from crm_order_extension.orders.history import sync_record

	sync_record(deal.doctype, deal.name)


def on_lead_change(doc, method=None):
	_guarded(settle_resolution, doc)


def log_initial_cycle(doc):
	"""CRM applied its SLA while inserting; record that cycle and its resolution target."""
	if not doc.get("sla") or doc.get("sla_status") != rules.FIRST_RESPONSE_DUE or not doc.get("sla_creation"):
		return
	start = get_datetime(doc.sla_creation)
	resolution_by = cycles.working_hours(doc.sla).add_working_time(start, rules.RESOLUTION_TARGET)
	cycles.log_cycle(
		doc.doctype,
		doc.name,
		{
			"sla": doc.sla,
			"trigger": _("Created"),
			"cycle_start": start,
			"response_by": doc.response_by,
			"resolution_by": resolution_by,
			"outcome": cycles.RUNNING,
		},
	)
	frappe.db.set_value(
		doc.doctype,
		doc.name,
		{"custom_resolution_by": resolution_by, "custom_resolution_status": cycles.RUNNING},
		update_modified=False,
	)


def carry_over_from_lead(deal):
	"""A lead converted while its cycle runs: the deal takes the same targets under the deal SLA."""
	lead = frappe.db.get_value(
		"CRM Lead", deal.lead, [*cycles.RECORD_FIELDS, "custom_resolution_status"], as_dict=True
	)
	if not lead or lead.sla_status != rules.FIRST_RESPONSE_DUE or not lead.response_by:
		return log_initial_cycle(deal)
	sla_name = DEAL_SLA if cycles.sla_usable(DEAL_SLA) else deal.get("sla")
	running = cycles.running_cycle("CRM Lead", lead.name)
	cycles.log_cycle(
		"CRM Deal",
		deal.name,
		{
			"sla": sla_name,
			"trigger": _("Converted from lead {0}").format(lead.name),
			"cycle_start": lead.sla_creation,
			"response_by": lead.response_by,
			"resolution_by": lead.custom_resolution_by,
			"outcome": cycles.RUNNING,
		},
	)
	frappe.db.set_value(
		"CRM Deal",
		deal.name,
		{
			"sla": sla_name,
			"sla_creation": lead.sla_creation,
			"response_by": lead.response_by,
			"sla_status": rules.FIRST_RESPONSE_DUE,
			"first_responded_on": None,
			"custom_resolution_by": lead.custom_resolution_by,
			"custom_resolution_status": lead.custom_resolution_status or cycles.RUNNING,
		},
		update_modified=False,
	)
	# The deal owns the cycle now: the lead must not be swept (and announced) a second time.
	if running:
		frappe.db.set_value(
			cycles.CYCLE_DOCTYPE,
			running.name,
			{"outcome": cycles.SUPERSEDED, "sweep_due": None},
			update_modified=False,
		)
	frappe.db.set_value(
		"CRM Lead", lead.name, {"sla_status": "", "custom_resolution_status": ""}, update_modified=False
	)


def settle_resolution(doc):
	if doc.get("custom_resolution_status") != cycles.RUNNING or doc.get("status") in OPEN_STATES:
		return
	resolution_by = doc.get("custom_resolution_by")
	outcome = (
		rules.FULFILLED
		if not resolution_by or now_datetime() <= get_datetime(resolution_by)
		else rules.FAILED
	)
	frappe.db.set_value(doc.doctype, doc.name, "custom_resolution_status", outcome, update_modified=False)
