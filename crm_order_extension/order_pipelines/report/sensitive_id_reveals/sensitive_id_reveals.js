// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["Sensitive ID Reveals"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{ fieldname: "user", label: __("User"), fieldtype: "Link", options: "User" },
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "record", label: __("Sensitive ID"), fieldtype: "Link", options: "Sensitive ID" },
	],
};
