"""Formation Order and Compliance Service share one pipeline: the DocType controllers inherit
this class, which applies the frappe-free rules of core.pipeline and core.formation on every save
(form, API, data import, console), so no path can skip them."""

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_order_extension.core import formation, pipeline
from crm_order_extension.core.errors import RuleError

PIPELINE_DOCTYPES = (pipeline.FORMATION_ORDER, pipeline.COMPLIANCE_SERVICE)


def throw_rule(err: RuleError):
	frappe.throw(_(err.template).format(*err.args), frappe.ValidationError, title=_("Not allowed"))


class PipelineOrder(Document):
	def validate(self):
		try:
			if self.doctype == pipeline.FORMATION_ORDER:
				self.validate_formation()
			else:
				self.validate_compliance_service()
			self.validate_status_move()
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
		self.append(
			"status_log",
			{
				"from_status": previous,
				"to_status": self.status,
				"user": frappe.session.user,
				"changed_on": now_datetime(),
			},
		)

	def on_update(self):
		before = self.get_doc_before_save()
		if (
			self.doctype == pipeline.FORMATION_ORDER
			and self.status == pipeline.DELIVERED
			and (not before or before.status != pipeline.DELIVERED)
		):
			from crm_order_extension.pipelines.calendar import entries_for_delivered_formation

			entries_for_delivered_formation(self)

	def next_states(self) -> tuple[str, ...]:
		return pipeline.allowed_next_states(
			self.status, frappe.get_roles(), self.doctype, self.get("filing_number")
		)
