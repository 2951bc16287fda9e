// "Sync Order History" list action on CRM Lead, CRM Deal and HD Ticket: re-syncs every record
// in a background job that reports progress (frappe.publish_progress).
frappe.provide("crm_order_extension.order_history");

(() => {
	const ns = crm_order_extension.order_history;
	if (ns.list_registered) return;
	ns.list_registered = true;

	["CRM Lead", "CRM Deal", "HD Ticket"].forEach((doctype) => {
		const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
		const previous_onload = settings.onload;
		settings.onload = function (listview) {
			previous_onload && previous_onload.call(this, listview);
			if (!frappe.model.can_write(doctype)) return;
			listview.page.add_action_item(__("Sync Order History (all)"), () => {
				frappe
					.call({
						method: "crm_order_extension.api.orders.enqueue_sync_all",
						args: { doctype },
					})
					.then((r) => frappe.show_alert({ message: r.message.message, indicator: "blue" }));
			});
		};
	});

	frappe.realtime.on("crm_order_extension_sync_all_done", (data) => {
		frappe.hide_progress();
		frappe.show_alert({
			message: __("Order history synced: {0} records, {1} ambiguous, {2} failed", [
				data.synced,
				data.ambiguous,
				data.failed,
			]),
			indicator: data.failed ? "orange" : "green",
		});
	});
})();
