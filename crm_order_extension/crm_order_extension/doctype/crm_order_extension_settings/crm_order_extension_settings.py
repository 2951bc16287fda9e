# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_order_extension.core import commission
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines.common import throw_rule


class CRMOrderExtensionSettings(Document):
	def validate(self):
		try:
			commission.check_rules(
				{"service_type": r.service_type, "tier": r.tier, "amount": r.amount}
				for r in self.commission_rules
			)
		except RuleError as err:
			throw_rule(err)
