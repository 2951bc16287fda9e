// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["Commission by Agent and Month"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(
				frappe.datetime.add_months(frappe.datetime.get_today(), -11)
			),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "party_type",
			label: __("Party Type"),
			fieldtype: "Select",
			options: ["", "Sales Agent", "Referral Partner"],
		},
		{
			fieldname: "agent",
			label: __("Sales Agent"),
			fieldtype: "Link",
			options: "Sales Agent",
		},
		{
			fieldname: "partner",
			label: __("Referral Partner"),
			fieldtype: "Link",
			options: "Referral Partner",
		},
	],
};
