# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DocumentTemplate(Document):
	"""Rules live in crm_order_extension.core.documents; see pipelines/documents.py."""

	def validate(self):
		from crm_order_extension.pipelines.documents import validate_document_template

		validate_document_template(self)
