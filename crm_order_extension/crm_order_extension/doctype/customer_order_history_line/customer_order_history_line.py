# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CustomerOrderHistoryLine(Document):
	"""One Sales Order line with its production stages and ship date; written by the order sync."""
