# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DocumentTemplate(Document):
	"""Rules live in crm_order_extension.core.documents and core.sensitive_documents; see
	pipelines/documents.py."""

	def validate(self):
		from crm_order_extension.pipelines.documents import validate_document_template

		validate_document_template(self)

	def on_update(self):
		from crm_order_extension.pipelines.documents import on_template_update

		on_template_update(self)
