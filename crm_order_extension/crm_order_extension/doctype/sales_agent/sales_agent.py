# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from crm_order_extension.core import commission
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines.order import throw_rule

SALES_AGENT_ROLE = "Sales Agent"


class SalesAgent(Document):
	def validate(self):
		code = commission.normalize_referral_code(self.referral_code)
		if not code:
			try:
				code = commission.generate_referral_code(
					exists=lambda c: bool(frappe.db.exists("Sales Agent", {"referral_code": c}))
				)
			except RuleError as err:
				throw_rule(err)
		if not commission.is_valid_referral_code(code):
			frappe.throw(
				_("Referral code {0} must be REF- followed by 5 letters or digits, e.g. REF-7KQ2M").format(
					frappe.bold(code)
				),
				title=_("Invalid referral code"),
			)
		taken = frappe.db.exists("Sales Agent", {"referral_code": code, "name": ("!=", self.name)})
		if taken:
			frappe.throw(
				_("Referral code {0} already belongs to Sales Agent {1}").format(frappe.bold(code), taken),
				frappe.UniqueValidationError,
			)
		self.referral_code = code

	def on_update(self):
		# The role is what restricts the user to their own commissions and referred orders.
		if self.user and SALES_AGENT_ROLE not in frappe.get_roles(self.user):
			user = frappe.get_doc("User", self.user)
			user.flags.ignore_permissions = True
			user.add_roles(SALES_AGENT_ROLE)
