// Order history on the CRM Lead, CRM Deal and HD Ticket forms: one script serves all three.
frappe.provide("crm_order_extension.order_history");

(() => {
	const ns = crm_order_extension.order_history;
	if (ns.registered) return;
	ns.registered = true;

	const API = "crm_order_extension.api.orders.";
	const CHILD = {
		"CRM Lead": "CRM Lead Order Item",
		"CRM Deal": "CRM Lead Order Item",
		"HD Ticket": "HD Ticket Order Item",
	};
	const STAGES = ["ops_status", "material_status", "production_status", "qa_status"];
	const COLORS = {
		APPROVED: "green",
		DONE: "green",
		IN_STOCK: "green",
		IN_PROGRESS: "blue",
		PENDING: "yellow",
		AWAITING: "yellow",
		ORDERED: "yellow",
		BLOCKED: "red",
		REJECTED: "red",
		OUT_OF_STOCK: "red",
	};

	ns.stage_formatter = (value) => {
		if (!value) return "";
		// Title case keeps the pills narrow enough for one grid column.
		const label = __(value.toLowerCase().replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()));
		const color = COLORS[value] || "gray";
		return `<span class="indicator-pill no-indicator-dot ${color}" title="${frappe.utils.escape_html(label)}">${frappe.utils.escape_html(label)}</span>`;
	};

	ns.request = (frm) => {
		if (frm.doctype === "CRM Lead") {
			return { method: API + "fetch_orders", args: { lead_name: frm.doc.name } };
		}
		if (frm.doctype === "CRM Deal") {
			return { method: API + "fetch_deal_orders", args: { deal_name: frm.doc.name } };
		}
		return {
			method: API + "hd_ticket_fetch_orders",
			args: { contact: frm.doc.contact, ticket_name: frm.doc.name },
		};
	};

	// The stored rows are at permission level 1 (the roles in the settings). Users who may see
	// histories otherwise (Sales Order readers) get them rendered by the server instead; the
	// server answers everyone else with a 403 and its message, which frappe.call shows.
	ns.rows_readable = (frm) =>
		frappe.session.user === "Administrator" || frappe.perm.has_perm(frm.doctype, 1, "read");

	ns.show = (frm) => {
		frappe
			.call({ method: API + "get_order_history_html", args: { doctype: frm.doctype, name: frm.doc.name } })
			.then((r) => {
				const dialog = new frappe.ui.Dialog({
					title: __("Order History"),
					size: "extra-large",
					fields: [{ fieldtype: "HTML", fieldname: "history" }],
				});
				dialog.fields_dict.history.$wrapper.html(r.message.html);
				dialog.show();
			});
	};

	ns.fetch = (frm) => {
		if (frm.doctype === "HD Ticket" && !frm.doc.contact) {
			frappe.show_alert({ message: __("This ticket has no contact"), indicator: "red" });
			return;
		}
		frappe
			.call({
				...ns.request(frm),
				freeze: true,
				freeze_message: __("Fetching order history..."),
			})
			.then((r) => {
				const result = r.message || {};
				frappe.show_alert(
					{ message: result.message, indicator: result.success ? "green" : "red" },
					result.success ? 5 : 10
				);
				if (ns.rows_readable(frm)) frm.reload_doc();
				else ns.show(frm);
			});
	};

	ns.setup_formatters = (frm) => {
		const grid = frm.fields_dict.custom_order_history?.grid;
		STAGES.forEach((fieldname) => {
			const df = frappe.meta.get_docfield(CHILD[frm.doctype], fieldname);
			if (df) df.formatter = ns.stage_formatter;
			grid?.update_docfield_property(fieldname, "formatter", ns.stage_formatter);
		});
	};

	const events = {
		setup(frm) {
			ns.setup_formatters(frm);
		},
		refresh(frm) {
			ns.setup_formatters(frm);
			if (frm.is_new()) return;
			frm.add_custom_button(__("Fetch Order History"), () => ns.fetch(frm), __("Actions"));
			if (!ns.rows_readable(frm)) {
				frm.add_custom_button(__("Show Order History"), () => ns.show(frm), __("Actions"));
			}
		},
	};
	Object.keys(CHILD).forEach((doctype) => frappe.ui.form.on(doctype, events));
})();
