"""Daily health check: failed SLAs, stale order histories and SLAs about to stop applying, sent
as one email to the recipients in CRM Order Extension Settings. It never raises."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, getdate, now_datetime, nowdate, split_emails

from crm_order_extension.core import sla as rules
from crm_order_extension.sla.cycles import SLA_DOCTYPES
from crm_order_extension.sla.setup import SLA_DEFINITIONS

SLA_EXPIRY_DAYS = 14


def collect_problems(now=None) -> list[str]:
	from crm_order_extension.orders.health import count_unsynced

	settings = frappe.get_cached_doc("CRM Order Extension Settings")
	now = now or now_datetime()
	problems = []

	failed = sum(
		frappe.db.count(
			doctype,
			{"sla_status": rules.FAILED, "response_by": ("between", [now - timedelta(hours=24), now])},
		)
		for doctype in SLA_DOCTYPES
	)
	if failed > (settings.failed_sla_threshold or 0):
		problems.append(
			_("{0} SLAs failed in the last 24 hours (threshold {1})").format(
				failed, settings.failed_sla_threshold or 0
			)
		)

	unsynced = count_unsynced()
	if unsynced > (settings.unsynced_orders_threshold or 0):
		problems.append(
			_("{0} leads, deals or tickets lack a current order history (threshold {1})").format(
				unsynced, settings.unsynced_orders_threshold or 0
			)
		)

	horizon = getdate(add_days(nowdate(), SLA_EXPIRY_DAYS))
	for definition in SLA_DEFINITIONS:
		name = definition["sla_name"]
		sla = frappe.db.get_value("CRM Service Level Agreement", name, ["enabled", "end_date"], as_dict=True)
		if not sla:
			problems.append(_("SLA {0} is missing").format(name))
		elif not sla.enabled:
			problems.append(_("SLA {0} is disabled").format(name))
		elif sla.end_date and getdate(sla.end_date) <= horizon:
			problems.append(
				_("SLA {0} ends on {1}").format(name, frappe.format(sla.end_date, {"fieldtype": "Date"}))
			)
	return problems


def daily_health_check() -> list[str] | None:
	"""Scheduler entry point (daily). Failures (e.g. no outgoing email account) are logged."""
	try:
		problems = collect_problems()
	except Exception:
		frappe.log_error(title=_("CRM Order Extension health check failed"))
		return None
	recipients = split_emails(frappe.get_cached_doc("CRM Order Extension Settings").health_recipients or "")
	if problems and recipients:
		try:
			frappe.sendmail(
				recipients=recipients,
				subject=_("CRM Order Extension health check: {0} problems").format(len(problems)),
				message="<p>{}</p><ul>{}</ul>".format(
					_("The daily health check found:"),
					"".join(f"<li>{frappe.utils.escape_html(p)}</li>" for p in problems),
				),
				reference_doctype="CRM Order Extension Settings",
				reference_name="CRM Order Extension Settings",
			)
		except Exception:
			frappe.log_error(title=_("CRM Order Extension health check email failed"))
	return problems
