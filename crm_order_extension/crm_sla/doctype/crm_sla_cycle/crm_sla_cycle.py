# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CRMSLACycle(Document):
	"""One SLA response cycle; rows are written by the Communication hook and the sweep."""
