// Order history on the CRM Lead, CRM Deal and HD Ticket forms: one script serves all three.
frappe.provide("crm_order_extension.order_history");

(() => {
	const ns = crm_order_extension.order_history;
	if (ns.registered) return;
	ns.registered = true;

	const API = "crm_order_extension.api.orders.";
	const DOCTYPES = ["CRM Lead", "CRM Deal", "HD Ticket"];
	const VIEW_FIELD = "custom_order_history_view";

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

	// The full history (stored rows, never a re-sync on open), with a Refresh that re-syncs.
	ns.show = (frm) => {
		const render = () =>
			frappe
				.call({
					method: API + "get_order_history_html",
					args: { doctype: frm.doctype, name: frm.doc.name },
				})
				.then((r) => ns.dialog?.fields_dict.history.$wrapper.html(r.message.html));
		ns.dialog = new frappe.ui.Dialog({
			title: __("Order History"),
			size: "extra-large",
			fields: [{ fieldtype: "HTML", fieldname: "history" }],
			primary_action_label: __("Refresh"),
			primary_action: () => ns.fetch(frm),
		});
		ns.dialog.frm = frm;
		ns.dialog.render = render;
		ns.dialog.onhide = () => (ns.dialog = null);
		render().then(() => ns.dialog?.show());
	};

	const SUMMARY_FIELDS = [
		"order_summary",
		"open_orders",
		"next_ship_date",
		"late_lines",
		"latest_order_status",
	];

	// "3 open orders · next ship 12 Dec · 1 line late · QA pending on 2" at the top of the form, in
	// a block of its own (re-rendered in place, next to other form messages).
	ns.render_summary = (frm, summary) => {
		let $block = frm.layout.wrapper.find(".coe-order-summary-block");
		if (!summary || !summary.order_summary) {
			$block.remove();
			return;
		}
		if (!$block.length) {
			$block = $('<div class="form-message coe-order-summary-block"></div>').prependTo(
				frm.layout.wrapper
			);
		}
		$block.removeClass("blue red").addClass(summary.late_lines ? "red" : "blue");
		$block.html(
			`<span class="coe-order-summary">${frappe.utils.escape_html(summary.order_summary)}</span>
			<a class="coe-order-summary-open" style="margin-left:8px">${__("View orders")}</a>`
		);
		$block.find(".coe-order-summary-open").on("click", () => ns.show(frm));
	};

	ns.load_summary = (frm) => {
		if (frm.doc.custom_order_summary !== undefined) {
			const summary = {};
			SUMMARY_FIELDS.forEach((f) => (summary[f] = frm.doc[`custom_${f}`]));
			ns.render_summary(frm, summary);
			return;
		}
		// Fields above the user's permission level are not in the doc: ask the endpoint, which
		// answers only users allowed to see order histories.
		frappe
			.xcall(API + "get_order_history", { doctype: frm.doctype, name: frm.doc.name, page_length: 1 })
			.then((history) => {
				ns.history_keys[frm.doctype + "/" + frm.doc.name] = history.history;
				ns.render_summary(frm, history.summary);
			})
			.catch(() => {});
	};

	// The history table in the form's Order Details tab: rendered by the server (the rows are not
	// part of the document, so a save never writes them); users not allowed to see it get nothing.
	ns.render_view = (frm) => {
		const field = frm.fields_dict[VIEW_FIELD];
		if (!field || frm.is_new()) return;
		frappe
			.xcall(API + "get_order_history_html", { doctype: frm.doctype, name: frm.doc.name })
			.then((view) => field.$wrapper.html(view.html))
			.catch(() => field.$wrapper.empty());
	};

	// Live: a history changed on the server (auto-sync, bulk sync, a refresh elsewhere). Only the
	// history's read-only fields of the open form are replaced: the user's unsaved edits stay, and
	// `modified` is untouched because a sync is not an edit.
	ns.apply_update = (frm) =>
		frappe
			.xcall(API + "get_order_history", { doctype: frm.doctype, name: frm.doc.name, page_length: 1 })
			.then((history) => {
				ns.history_keys[frm.doctype + "/" + frm.doc.name] = history.history;
				SUMMARY_FIELDS.forEach((f) => {
					if (frm.doc[`custom_${f}`] !== undefined) frm.doc[`custom_${f}`] = history.summary[f];
				});
				if (frm.doc.custom_orders_synced_on !== undefined) {
					frm.doc.custom_orders_synced_on = history.synced_on;
					frm.doc.custom_order_sync_message = history.message;
					frm.doc.custom_order_customer = history.customer;
					frm.doc.custom_order_match_level = history.level;
				}
				[
					"custom_orders_synced_on",
					"custom_order_sync_message",
					"custom_order_customer",
					"custom_order_match_level",
				]
					.concat(SUMMARY_FIELDS.map((f) => `custom_${f}`))
					.forEach((f) => frm.fields_dict[f] && frm.refresh_field(f));
				ns.render_summary(frm, history.summary);
				ns.render_view(frm);
				if (ns.dialog && ns.dialog.frm === frm) ns.dialog.render();
			})
			.catch(() => {});

	// The history each form shows (an opaque key of its customer's history, from get_order_history):
	// an order change announces the customer's history once, not each of its records.
	ns.history_keys = ns.history_keys || {};
	if (!ns.listening) {
		ns.listening = true;
		frappe.realtime.on("crm_order_extension:history_changed", (data) => {
			const frm = window.cur_frm;
			if (!frm || !data || !DOCTYPES.includes(frm.doctype)) return;
			const record = frm.doctype === data.doctype && String(frm.doc.name) === String(data.name);
			const customer =
				data.history && ns.history_keys[frm.doctype + "/" + frm.doc.name] === data.history;
			if (record || customer) ns.apply_update(frm);
		});
	}

	ns.fetch = (frm) => {
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
				// Also without the realtime event (socket.io not running): update the form and an
				// open history dialog now.
				ns.apply_update(frm);
			});
	};

	const events = {
		refresh(frm) {
			if (frm.is_new()) return;
			frm.add_custom_button(__("Fetch Order History"), () => ns.fetch(frm), __("Actions"));
			frm.add_custom_button(__("Show Order History"), () => ns.show(frm), __("Actions"));
			ns.load_summary(frm);
			ns.render_view(frm);
		},
	};
	DOCTYPES.forEach((doctype) => frappe.ui.form.on(doctype, events));
})();
