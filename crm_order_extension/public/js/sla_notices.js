// SLA notices (CRM Order Extension): the 5-minute sweep sends these realtime events to the owner of
// a lead or deal (crm_order_extension/sla/notices.py). Show them on any Desk page, and on the form of
// that record itself. The /crm UI listens in the CRM Form Scripts.
frappe.provide("crm_order_extension.sla_notices");

(() => {
	const ns = crm_order_extension.sla_notices;
	if (ns.registered) return;
	ns.registered = true;

	ns.EVENTS = {
		sla_failed: "red",
		sla_resolution_failed: "red",
		sla_at_risk: "orange",
	};

	ns.show = (data, color) => {
		if (!data || !data.doctype || !data.name) return;
		const text = frappe.utils.escape_html(data.message || `${__(data.doctype)} ${data.name}`);
		frappe.show_alert({ message: text, indicator: color }, 15);

		const frm = window.cur_frm;
		if (!frm || frm.doctype !== data.doctype || frm.doc.name !== data.name || frm.is_new()) return;
		const headline = () => frm.dashboard.set_headline_alert(text, color);
		if (frm.is_dirty()) {
			// Reloading would throw away the user's edits: say it, they see the SLA fields on save.
			headline();
		} else {
			// The sweep changed the SLA fields in the database; rendering clears the headline first.
			Promise.resolve(frm.reload_doc()).then(headline);
		}
	};

	ns.subscribe = () => {
		// frappe.realtime.on is a no-op until Desk has initialised the socket (app startup).
		if (ns.subscribed || !frappe.realtime.socket) return;
		ns.subscribed = true;
		Object.entries(ns.EVENTS).forEach(([event, color]) => {
			frappe.realtime.on(event, (data) => ns.show(data, color));
		});
	};

	$(document).on("app_ready", ns.subscribe);
	ns.subscribe();
})();
