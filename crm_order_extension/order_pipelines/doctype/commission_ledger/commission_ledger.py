# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CommissionLedger(Document):
	"""Entries are created by crm_order_extension.pipelines.commission; rules live in core.commission."""

	def validate(self):
		from crm_order_extension.pipelines.commission import validate_ledger_entry

		validate_ledger_entry(self)
