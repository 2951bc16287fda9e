# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_order_extension.pipelines import calendar


class ComplianceCalendar(Document):
	def validate(self):
		calendar.refresh_status(self)

	def on_update(self):
		calendar.after_save(self)
