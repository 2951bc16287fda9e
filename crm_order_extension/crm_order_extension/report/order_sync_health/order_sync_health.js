// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["Order Sync Health"] = {
	filters: [
		{
			fieldname: "reference_doctype",
			label: __("Type"),
			fieldtype: "Select",
			options: ["", "CRM Lead", "CRM Deal", "HD Ticket"],
		},
		{
			fieldname: "limit",
			label: __("Newest Records Checked"),
			fieldtype: "Int",
			default: 500,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "problem" && data) {
			const color = data.history_lines ? "orange" : "red";
			return `<span class="indicator-pill ${color}">${value}</span>`;
		}
		return value;
	},
	onload(report) {
		report.page.add_inner_button(__("Sync All"), () => {
			frappe
				.call({
					method: "crm_order_extension.api.orders.enqueue_sync_all",
					args: { doctype: report.get_filter_value("reference_doctype") || null },
				})
				.then((r) => frappe.show_alert({ message: r.message.message, indicator: "blue" }));
		});
	},
};
