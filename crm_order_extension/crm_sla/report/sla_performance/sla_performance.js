// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["SLA Performance"] = {
	filters: [
		{
			fieldname: "reference_doctype",
			label: __("Type"),
			fieldtype: "Select",
			options: ["CRM Lead", "CRM Deal"],
			default: "CRM Lead",
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -29),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
	],
};
