# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CustomerOrderHistory(Document):
	"""The order history of one ERPNext Customer, written by the order sync
	(crm_order_extension.orders.history.sync_customer_history); leads, deals and tickets resolved to
	the customer read it. Nobody edits it by hand."""
