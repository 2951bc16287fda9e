"""Formation Order and Compliance Service share one pipeline: the DocType controllers inherit
this class, which applies the frappe-free rules of core.pipeline and core.formation on every save
(form, API, data import, console), so no path can skip them."""

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_order_extension.core import commission, formation, pipeline
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines.calendar import entries_for_delivered_formation
from crm_order_extension.pipelines.commission import reverse_for_order
from crm_order_extension.pipelines.common import is_paid, throw_rule
from crm_order_extension.pipelines.documents import on_status_change


class PipelineOrder(Document):
	def validate(self):
		try:
			if self.doctype == pipeline.FORMATION_ORDER:
				self.validate_formation()
			else:
				self.validate_compliance_service()
			self.referral_code = commission.normalize_referral_code(self.referral_code) or None
			self.validate_status_move()
			self.queue_if_paid()
		except RuleError as err:
			throw_rule(err)

	def validate_formation(self):
		self.state = formation.validate_state(self.state)
		formation.validate_entity_type(self.entity_type)
		self.management_type = formation.validate_management_type(self.entity_type, self.management_type)
		formation.validate_ownership([member.ownership_pct for member in self.members])
		formation.validate_add_ons([row.add_on for row in self.add_ons])
		base_fee = frappe.db.get_single_value("CRM Order Extension Settings", "formation_base_fee")
		self.order_total = formation.order_total(base_fee, [row.price for row in self.add_ons])

	def validate_compliance_service(self):
		formation.validate_service_type(self.service_type)
		self.intake_data = json.dumps(formation.parse_intake_data(self.intake_data), sort_keys=True)

	def validate_status_move(self):
		before = None if self.is_new() else self.get_doc_before_save()
		previous = before.status if before else None
		if previous is None:
			self.status = self.status or pipeline.initial_state()
			pipeline.check_initial_state(self.status)
		elif previous != self.status:
			pipeline.check_transition(
				previous,
				self.status,
				roles=frappe.get_roles(),
				doctype=self.doctype,
				filing_number=self.get("filing_number"),
			)
		else:
			return
		self.log_move(previous, self.status)

	def log_move(self, from_status: str | None, to_status: str):
		self.append(
			"status_log",
			{
				"from_status": from_status,
				"to_status": to_status,
				"user": frappe.session.user,
				"changed_on": now_datetime(),
			},
		)

	def queue_if_paid(self):
		"""An order linked to an already paid Sales Order skips the wait: Ordered → Queued at once
		(orders linked before payment are queued by the payment, pipelines/payment.py)."""
		if self.status != pipeline.ORDERED or not self.sales_order:
			return
		before = None if self.is_new() else self.get_doc_before_save()
		if before and before.sales_order == self.sales_order:
			return
		if is_paid(self.sales_order):
			pipeline.check_transition(pipeline.ORDERED, pipeline.QUEUED, roles=(), doctype=self.doctype)
			self.status = pipeline.QUEUED
			self.log_move(pipeline.ORDERED, pipeline.QUEUED)

	def on_update(self):
		before = self.get_doc_before_save()
		became = self.status if (not before or before.status != self.status) else None
		if became == pipeline.REFUNDED and self.sales_order:
			reverse_for_order(self.sales_order, _("{0} {1} refunded").format(_(self.doctype), self.name))
		if (
			self.doctype == pipeline.FORMATION_ORDER
			and self.status == pipeline.DELIVERED
			and (not before or before.status != pipeline.DELIVERED)
		):
			entries_for_delivered_formation(self)
		if became:
			on_status_change(self, before.status if before else None)  # Queued → documents job

	def next_states(self) -> tuple[str, ...]:
		return pipeline.allowed_next_states(
			self.status, frappe.get_roles(), self.doctype, self.get("filing_number")
		)
