// Formation Order and Compliance Service lists: one colour per pipeline status.
(() => {
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
	["Formation Order", "Compliance Service"].forEach((doctype) => {
		frappe.listview_settings[doctype] = {
			add_fields: ["status"],
			get_indicator: (doc) => [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status],
		};
	});
})();
