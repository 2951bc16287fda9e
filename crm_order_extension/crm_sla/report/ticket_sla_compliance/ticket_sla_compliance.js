// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["Ticket SLA Compliance"] = {
	filters: [
		{
			fieldname: "group_by",
			label: __("Per"),
			fieldtype: "Select",
			options: [
				{ value: "team", label: __("Team") },
				{ value: "agent", label: __("Agent") },
			],
			default: "team",
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
		{ fieldname: "team", label: __("Team"), fieldtype: "Link", options: "HD Team" },
		{ fieldname: "agent", label: __("Agent"), fieldtype: "Link", options: "User" },
	],
};
