# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SensitiveID(Document):
	"""Rules live in core.sensitive_id, the Frappe side in crm_order_extension.pipelines.sensitive_ids."""

	def validate(self):
		from crm_order_extension.pipelines.sensitive_ids import validate_record

		validate_record(self)
