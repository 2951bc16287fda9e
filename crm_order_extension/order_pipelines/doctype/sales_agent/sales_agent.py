# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

SALES_AGENT_ROLE = "Sales Agent"


class SalesAgent(Document):
	def validate(self):
		# One namespace with the Referral Partners' codes.
		from crm_order_extension.pipelines.referral_partners import claim_referral_code

		claim_referral_code(self)

	def on_update(self):
		# The role is what restricts the user to their own commissions and referred orders.
		if self.user and SALES_AGENT_ROLE not in frappe.get_roles(self.user):
			user = frappe.get_doc("User", self.user)
			user.flags.ignore_permissions = True
			user.add_roles(SALES_AGENT_ROLE)
