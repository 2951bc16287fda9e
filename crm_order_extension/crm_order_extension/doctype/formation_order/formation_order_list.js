// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.listview_settings["Formation Order"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = {
			Ordered: "gray",
			Queued: "light-blue",
			Processing: "blue",
			Review: "purple",
			Revision: "orange",
			Approved: "cyan",
			Ready: "yellow",
			Delivered: "green",
			Failed: "red",
			Refunded: "darkgrey",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
