"""Sales Order and Sales Invoice events of service orders.

A paid order (fully invoiced, every invoice settled) moves its pipeline order from Ordered to
Queued and earns the referring agent's commission; a credit note or cancellation reverses the
commission. ERPNext's own payment flow must never fail because of this app: each order is
handled in a savepoint and a failure is logged, not raised.

Whether an order is paid is decided in a job after the payment commits: two invoices of one order
settled at the same moment each see only their own payment inside their transaction, so neither
would find the order paid. The job locks the Sales Order row and reads committed data.
"""

import frappe
from frappe import _

from crm_order_extension.core import commission, pipeline
from crm_order_extension.jobs import request_job
from crm_order_extension.pipelines import commission as ledger
from crm_order_extension.pipelines.common import ORDER_FIELDS, PIPELINE_DOCTYPES, is_paid
from crm_order_extension.utils.guard import guarded


def orders_of_invoice(invoice: str) -> list[str]:
	return frappe.get_all(
		"Sales Invoice Item",
		filters={"parent": invoice, "parenttype": "Sales Invoice", "sales_order": ("is", "set")},
		pluck="sales_order",
		distinct=True,
	)


def queue_pipeline_orders(sales_order: str) -> list[str]:
	"""Move the order's pipeline documents still in Ordered to Queued, through their controller."""
	moved = []
	for doctype in PIPELINE_DOCTYPES:
		for name in frappe.get_all(
			doctype, filters={"sales_order": sales_order, "status": pipeline.ORDERED}, pluck="name"
		):
			doc = frappe.get_doc(doctype, name)
			doc.status = pipeline.QUEUED
			doc.flags.ignore_permissions = True
			doc.save()
			moved.append(name)
	return moved


def _guarded(action, sales_order: str, *args) -> None:
	title = _("Service order {0}: {1} failed").format(sales_order, action.__name__)
	with guarded("coe_service_order", title=title):
		action(sales_order, *args)


def request_paid_order_check(sales_order: str, sales_invoice: str | None = None) -> None:
	request_job(
		"crm_order_extension.pipelines.payment.handle_paid_order",
		key=f"paid_order:{sales_order}",
		sales_order=sales_order,
		sales_invoice=sales_invoice,
	)


def handle_paid_order(sales_order: str, sales_invoice: str | None = None) -> None:
	"""Job: queue the pipeline order and create the commission of a paid order, once. The row lock
	serialises concurrent checks of one order."""
	order = frappe.db.get_value("Sales Order", sales_order, ORDER_FIELDS, as_dict=True, for_update=True)
	if not order or not order.custom_order_type or not is_paid(sales_order, order):
		return
	_guarded(queue_pipeline_orders, sales_order)
	_guarded(ledger.create_for_order, sales_order, sales_invoice)


def on_sales_invoice_change(doc, method=None):
	"""Sales Invoice on_change: runs on submit and on every status change, e.g. when a Payment
	Entry settles it. Each step is idempotent, so repeated calls are harmless."""
	if doc.docstatus != 1:
		return
	if doc.is_return:
		orders = set(orders_of_invoice(doc.name))
		if doc.return_against:
			orders.update(orders_of_invoice(doc.return_against))
		for sales_order in orders:
			_guarded(ledger.reverse_for_order, sales_order, _("Credit note {0}").format(doc.name))
		return
	if doc.outstanding_amount > 0.005:
		return
	for sales_order in orders_of_invoice(doc.name):
		request_paid_order_check(sales_order, doc.name)


def on_sales_invoice_cancel(doc, method=None):
	if doc.is_return:
		return
	for sales_order in orders_of_invoice(doc.name):
		_guarded(ledger.reverse_for_order, sales_order, _("Sales Invoice {0} cancelled").format(doc.name))


def on_sales_order_cancel(doc, method=None):
	# A cancelled order frees its shop order ID for the amendment.
	doc.db_set("custom_active_external_order_id", None, update_modified=False)
	_guarded(ledger.reverse_for_order, doc.name, _("Sales Order {0} cancelled").format(doc.name))


ACTIVE_ID_FIELD = "custom_active_external_order_id"


def validate_sales_order(doc, method=None):
	"""Normalise the service fields; one Sales Order per external (shop) order among the orders
	that are not cancelled. The unique `custom_active_external_order_id` column enforces it under
	concurrent imports; this check only gives the friendlier message first."""
	doc.custom_referral_code = commission.normalize_referral_code(doc.get("custom_referral_code")) or None
	external_id = (doc.get("custom_external_order_id") or "").strip() or None
	doc.custom_external_order_id = external_id
	doc.set(ACTIVE_ID_FIELD, external_id if doc.docstatus < 2 else None)
	if not external_id or doc.docstatus == 2:
		return
	other = frappe.db.get_value(
		"Sales Order",
		{ACTIVE_ID_FIELD: external_id, "name": ("!=", doc.name), "docstatus": ("<", 2)},
		"name",
	)
	if other:
		refuse_duplicate_external_order(external_id, other)
	# Two imports at once both pass the check above; the unique column refuses the second when it
	# is written, and that answer must be this message too, not a traceback.
	if not isinstance(doc.__dict__.get("show_unique_validation_message"), DuplicateKeyRefusal):
		doc.show_unique_validation_message = DuplicateKeyRefusal(doc)


def refuse_duplicate_external_order(external_id: str, other: str | None = None):
	"""The one refusal answered without a traceback: the flag is set only when it is raised (it
	holds for the rest of the request, whose answer this error is)."""
	frappe.flags.disable_traceback = True
	message = (
		_("External order {0} is already imported as Sales Order {1}").format(frappe.bold(external_id), other)
		if other
		else _("External order {0} is already imported as another Sales Order").format(
			frappe.bold(external_id)
		)
	)
	frappe.throw(message, frappe.UniqueValidationError, title=_("Duplicate external order"))


class DuplicateKeyRefusal:
	"""Stands in for Frappe's `show_unique_validation_message` on one Sales Order being saved:
	Frappe calls it when the database refuses a write for a unique key. A refusal of the active
	shop order ID gets the duplicate-order message (without a traceback); any other unique key
	Frappe's own message. A module-level class, so the document stays picklable."""

	def __init__(self, doc):
		self.doc = doc

	def __call__(self, exc):
		external_id = self.doc.get(ACTIVE_ID_FIELD)
		if external_id and ACTIVE_ID_FIELD in str(exc):
			# The other import has committed (the database waited for it): a locking read sees it.
			other = frappe.db.get_value(
				"Sales Order",
				{ACTIVE_ID_FIELD: external_id, "name": ("!=", self.doc.name), "docstatus": ("<", 2)},
				"name",
				for_update=True,
			)
			refuse_duplicate_external_order(external_id, other)
		type(self.doc).show_unique_validation_message(self.doc, exc)
