"""Communication hook: replies and customer emails move lead/deal status and SLA cycles.

Runs in the `on_update` of a Communication's insert, after Frappe's own
`update_parent_document_on_communication`, so the first-response fields written here (measured
from the cycle's start) are the ones that stay, not Frappe's figure from the lead's creation. It
never blocks email ingestion: any failure is logged and rolled back to a savepoint, and the
Communication itself is kept. No commit here: the request or the email-pull job commits.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime

from crm_order_extension.core import sla as rules
from crm_order_extension.sla import cycles
from crm_order_extension.sla.setup import DEAL_SLA
from crm_order_extension.utils.guard import guarded

SAVEPOINT = "crm_order_extension_sla"


def on_communication_insert(doc, method=None):
	if (
		not doc.flags.in_insert
		or doc.communication_type != "Communication"
		or doc.reference_doctype not in cycles.SLA_DOCTYPES
		or not doc.reference_name
		or doc.sent_or_received not in ("Sent", "Received")
	):
		return
	title = _("SLA update failed for Communication {0}").format(doc.name)
	with guarded(SAVEPOINT, title=title, reference_doctype="Communication", reference_name=doc.name):
		apply_communication(doc)


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
	if doctype == "CRM Lead" and changes.get("status", record.status) != record.status:
		log_status_change(name, record.status, changes["status"])
	if changes:
		frappe.db.set_value(doctype, name, changes)


def log_status_change(lead: str, old: str, new: str) -> None:
	"""Record an automated status move in CRM's status change log, as a save from the UI would
	(CRM's own helper closes the open row and starts the next), without saving the lead: a full
	save would re-run CRM's SLA on the fields set here."""
	from crm.fcrm.doctype.crm_status_change_log.crm_status_change_log import add_status_change_log
	from frappe.model.naming import set_new_name

	doc = frappe.get_doc("CRM Lead", lead)
	existing = {row.name for row in doc.status_change_log}
	doc._doc_before_save = frappe._dict(status=old)
	doc.status = new
	add_status_change_log(doc)
	for row in doc.status_change_log:
		if row.name not in existing:
			set_new_name(row)
			row.db_insert()
		elif row is doc.status_change_log[-2]:
			row.db_update()
