// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.query_reports["Late Order Lines"] = {
	filters: [
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "item_code", label: __("Item"), fieldtype: "Link", options: "Item" },
		{
			fieldname: "stage",
			label: __("Waiting On Stage"),
			fieldtype: "Select",
			options: [
				"",
				{ value: "OPS", label: __("OPS") },
				{ value: "Material", label: __("Material") },
				{ value: "Production", label: __("Production") },
				{ value: "QA", label: __("QA") },
			],
		},
		{
			fieldname: "ship_status",
			label: __("Ship Status"),
			fieldtype: "Select",
			options: [
				{ value: "Late", label: __("Late") },
				{ value: "Late or At risk", label: __("Late or At risk") },
				{ value: "All open", label: __("All open") },
			],
			default: "Late",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "ship_status" && data && data.ship_status) {
			const color =
				{ Late: "red", "At risk": "orange", "On time": "green" }[data.ship_status] || "gray";
			return `<span class="indicator-pill ${color}">${__(data.ship_status)}</span>`;
		}
		return value;
	},
};
