"""Communication hook: replies and customer emails move lead/deal status and SLA cycles.

Runs after a Communication is inserted. It never blocks email ingestion: any failure is logged and
rolled back to a savepoint, and the Communication itself is kept. No commit here: the request or
the email-pull job commits.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import cycles
from crm_order_extension.sla.setup import DEAL_SLA

SAVEPOINT = "crm_order_extension_sla"


def on_communication_insert(doc, method=None):
	if (
		doc.communication_type != "Communication"
		or doc.reference_doctype not in cycles.SLA_DOCTYPES
		or not doc.reference_name
		or doc.sent_or_received not in ("Sent", "Received")
	):
		return
	frappe.db.savepoint(SAVEPOINT)
	try:
		apply_communication(doc)
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title=_("SLA update failed for Communication {0}").format(doc.name),
			reference_doctype="Communication",
			reference_name=doc.name,
		)


def apply_communication(doc):
	doctype, name = doc.reference_doctype, doc.reference_name
	record = frappe.db.get_value(doctype, name, cycles.RECORD_FIELDS, as_dict=True, for_update=True)
	if not record:
		return  # the lead was deleted; the email stays on its own
	at = get_datetime(doc.communication_date or doc.creation)
	if doc.sent_or_received == "Sent":
		changes = rules.after_outbound(record.status)
		if doctype != "CRM Lead":
			changes.pop("status")
		changes.update(cycles.close_cycle(doctype, record, at))
	else:
		changes = rules.after_inbound(record.status)
		if doctype != "CRM Lead":
			changes.pop("status")
		state = {**record, **changes}
		sla_name = (
			rules.sla_for(state["status"], state["communication_status"])
			if doctype == "CRM Lead"
			else DEAL_SLA
		)
		if cycles.sla_usable(sla_name):
			changes.update(cycles.start_cycle(doctype, name, sla_name, at, _("Customer email")))
	changes = {k: v for k, v in changes.items() if record.get(k) != v or k.startswith("first_")}
	if changes:
		frappe.db.set_value(doctype, name, changes)
