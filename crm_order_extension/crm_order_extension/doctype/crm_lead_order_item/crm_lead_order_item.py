# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CRMLeadOrderItem(Document):
	"""One Sales Order line with its production stages; rows are written by order history sync."""
