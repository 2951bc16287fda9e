# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SensitiveDocument(Document):
	"""Made by the document generation only; see crm_order_extension.pipelines.sensitive_documents."""

	pass
