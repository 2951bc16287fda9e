"""SLA cycles of leads and deals: start, close and log them (Frappe adapter over core.sla)."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.core.business_hours import WorkingHours

SLA_DOCTYPES = ("CRM Lead", "CRM Deal")
CYCLES_FIELD = "custom_sla_cycles"
CYCLE_DOCTYPE = "CRM SLA Cycle"
RUNNING = "Running"
SUPERSEDED = "Superseded"

RECORD_FIELDS = [
	"name",
	"status",
	"communication_status",
	"sla",
	"sla_status",
	"sla_creation",
	"response_by",
	"first_responded_on",
	"custom_resolution_by",
]


def sla_info(sla_name: str):
	"""Enabled flag, end date, response target and working hours of an SLA, cached for the
	request or job (an email pull handles many messages against the same few SLAs)."""
	cache = frappe.local.flags.setdefault("crm_order_extension_sla_hours", {})
	if sla_name not in cache:
		sla = frappe.db.get_value(
			"CRM Service Level Agreement", sla_name, ["enabled", "end_date", "holiday_list"], as_dict=True
		)
		if not sla:
			cache[sla_name] = None
			return None
		rows = frappe.get_all(
			"CRM Service Day",
			filters={"parenttype": "CRM Service Level Agreement", "parent": sla_name},
			fields=["workday", "start_time", "end_time"],
		)
		holidays = (
			frappe.get_all(
				"CRM Holiday",
				filters={"parenttype": "CRM Holiday List", "parent": sla.holiday_list},
				pluck="date",
			)
			if sla.holiday_list
			else []
		)
		seconds = frappe.db.get_value(
			"CRM Service Level Priority",
			{"parent": sla_name, "parenttype": "CRM Service Level Agreement", "priority": rules.OPEN_COMM},
			"first_response_time",
		)
		sla.hours = WorkingHours.from_rows(rows, holidays) if rows else WorkingHours.always(holidays)
		sla.response_target = timedelta(seconds=seconds) if seconds else rules.RESPONSE_TARGET
		cache[sla_name] = sla
	return cache[sla_name]


def working_hours(sla_name: str) -> WorkingHours:
	info = sla_info(sla_name)
	return info.hours if info else WorkingHours.always()


def response_target(sla_name: str) -> timedelta:
	info = sla_info(sla_name)
	return info.response_target if info else rules.RESPONSE_TARGET


def sla_usable(sla_name: str | None) -> bool:
	info = sla_info(sla_name) if sla_name else None
	if not info or not info.enabled:
		return False
	return not info.end_date or get_datetime(info.end_date).date() >= now_datetime().date()


def log_cycle(doctype: str, name: str, values: dict, idx: int | None = None) -> None:
	"""Append a cycle row without loading or saving the parent (CRM's own save would re-run its SLA).
	`idx` is the row's position when the caller already knows it. A running cycle waits for the
	sweep's breach notice until it is answered in time (`sweep_due`, sla/sweep.py)."""
	if values.get("outcome") == RUNNING and "sweep_due" not in values:
		values = {**values, "sweep_due": values.get("response_by")}
	if idx is None:
		idx = 1 + frappe.db.count(
			CYCLE_DOCTYPE, {"parent": name, "parenttype": doctype, "parentfield": CYCLES_FIELD}
		)
	row = frappe.get_doc(
		{
			"doctype": CYCLE_DOCTYPE,
			"parent": name,
			"parenttype": doctype,
			"parentfield": CYCLES_FIELD,
			"idx": idx,
			**values,
		}
	)
	row.db_insert()


def last_cycle(doctype: str, name: str):
	"""The newest cycle row; a running cycle is always the newest (starting one supersedes the last)."""
	return frappe.db.get_value(
		CYCLE_DOCTYPE,
		{"parent": name, "parenttype": doctype, "parentfield": CYCLES_FIELD},
		["name", "idx", "outcome", "cycle_start", "response_by", "responded_on"],
		as_dict=True,
		order_by="idx desc",
	)


def unanswered_cycle(doctype: str, name: str):
	"""The cycle our next reply answers: the newest one, still running or already failed by the
	sweep, and not answered yet."""
	cycle = last_cycle(doctype, name)
	if cycle and cycle.outcome in (RUNNING, rules.FAILED) and not cycle.responded_on:
		return cycle
	return None


def running_cycle(doctype: str, name: str):
	return frappe.db.get_value(
		CYCLE_DOCTYPE,
		{"parent": name, "parenttype": doctype, "parentfield": CYCLES_FIELD, "outcome": RUNNING},
		["name", "cycle_start", "response_by"],
		as_dict=True,
		order_by="idx desc",
	)


def end_running(cycle, at) -> None:
	"""A running cycle ends without our reply (a new customer email, Convert to Deal): Superseded if
	its target was still ahead at `at`, else Failed, and then the sweep still announces it."""
	if cycle.response_by and get_datetime(cycle.response_by) < get_datetime(at):
		frappe.db.set_value(CYCLE_DOCTYPE, cycle.name, "outcome", rules.FAILED, update_modified=False)
	else:
		frappe.db.set_value(
			CYCLE_DOCTYPE, cycle.name, {"outcome": SUPERSEDED, "sweep_due": None}, update_modified=False
		)


def start_cycle(doctype: str, name: str, sla_name: str, start, trigger: str) -> dict:
	"""End the running cycle (kept in the log) and start a new one at `start`."""
	previous = last_cycle(doctype, name)
	if previous and previous.outcome == RUNNING:
		end_running(previous, start)
	cycle = rules.start_cycle(
		sla_name,
		get_datetime(start),
		working_hours(sla_name),
		response_target=response_target(sla_name),
	)
	log_cycle(
		doctype,
		name,
		{
			"sla": sla_name,
			"trigger": trigger,
			"cycle_start": cycle["start"],
			"response_by": cycle["response_by"],
			"resolution_by": cycle["resolution_by"],
			"outcome": RUNNING,
		},
		idx=(previous.idx if previous else 0) + 1,
	)
	return {
		"sla": sla_name,
		"sla_creation": cycle["start"],
		"response_by": cycle["response_by"],
		"sla_status": rules.FIRST_RESPONSE_DUE,
		"first_responded_on": None,
		"first_response_time": None,
		"custom_resolution_by": cycle["resolution_by"],
		"custom_resolution_status": RUNNING,
		"custom_sla_at_risk_notified": 0,
	}


def close_cycle(doctype: str, record, responded_on) -> dict:
	"""Our reply answers the open cycle, even after the sweep failed it: the reply is recorded with
	its response time from the cycle's start, and the outcome follows the timestamps (a reply
	written before the target but pulled in late is Fulfilled)."""
	if not record.response_by:
		return {}
	cycle = unanswered_cycle(doctype, record.name)
	if not cycle:
		if record.sla_status != rules.FIRST_RESPONSE_DUE:
			return {}
		# A cycle CRM started without a logged row (e.g. before the app was installed).
		cycle = frappe._dict(cycle_start=record.sla_creation, response_by=record.response_by)
	start = get_datetime(cycle.cycle_start or record.sla_creation)
	responded_on = get_datetime(responded_on)
	if responded_on < start:
		return {}  # written before the customer's email that opened this cycle
	hours = working_hours(record.sla) if record.sla else WorkingHours.always()
	closed = rules.close_cycle(
		{"start": start, "response_by": get_datetime(cycle.response_by)}, responded_on, hours
	)
	if cycle.get("name"):
		values = {
			"responded_on": closed["responded_on"],
			"first_response_time": closed["first_response_time"],
			"outcome": closed["sla_status"],
		}
		if closed["sla_status"] == rules.FULFILLED:
			values["sweep_due"] = None  # answered in time: nothing to announce
		frappe.db.set_value(CYCLE_DOCTYPE, cycle.name, values, update_modified=False)
	return {
		"sla_status": closed["sla_status"],
		"first_responded_on": closed["responded_on"],
		"first_response_time": closed["first_response_time"],
	}
