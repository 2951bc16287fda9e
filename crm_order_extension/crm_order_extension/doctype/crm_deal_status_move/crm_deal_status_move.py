# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CRMDealStatusMove(Document):
	"""One move of a deal's status by a rule of CRM Order Extension Settings (a submitted
	quotation, the deal's orders paid), written by crm_order_extension.deals.status_rules: its
	`event` is unique, so each event moves a deal once. Nobody edits it by hand."""
