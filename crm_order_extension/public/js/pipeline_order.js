// Formation Order and Compliance Service: one button per legal next status, plus the order
// documents: "Generate Documents" (Queued / Processing / Failed) and "Deliver" (Ready).
frappe.provide("crm_order_extension.pipeline");

(() => {
	const ns = crm_order_extension.pipeline;
	if (ns.registered) return;
	ns.registered = true;
	const API = "crm_order_extension.api.pipelines.";
	const DOCS_API = "crm_order_extension.api.documents.";
	const REGENERATE_FROM = ["Queued", "Processing", "Failed"];

	const call = (frm, method, args) =>
		frappe
			.call({ method, args: { doctype: frm.doctype, name: frm.doc.name, ...args }, freeze: true })
			.then((r) => {
				frm.reload_doc();
				return r;
			});

	const document_buttons = (frm) => {
		if (!frm.perm[0] || !frm.perm[0].write) return;
		if (REGENERATE_FROM.includes(frm.doc.status)) {
			frm.add_custom_button(__("Generate Documents"), () =>
				call(frm, DOCS_API + "generate").then(() =>
					frappe.show_alert({ message: __("Document generation queued"), indicator: "blue" })
				)
			);
		}
		if (frm.doc.status === "Ready") {
			const button = frm.add_custom_button(__("Deliver"), () =>
				frappe.confirm(
					__("Email the latest documents to the customer's primary contact and mark the order Delivered?"),
					() =>
						call(frm, DOCS_API + "deliver").then((r) =>
							frappe.show_alert({
								message: __("Documents emailed to {0}", [r.message.recipient]),
								indicator: "green",
							})
						)
				)
			);
			button.addClass("btn-primary");
		}
	};

	const delivery_alert = (frm) => {
		const status = frm.doc.delivery_status;
		if (!frm.doc.delivery_email_queue || !status) return;
		const failed = ["Error", "Expired", "Cancelled", "Removed"].includes(status);
		frm.dashboard.set_headline_alert(
			__("Delivery email to {0}: {1}", [frm.doc.delivered_to || "", __(status)]),
			failed ? "red" : status === "Sent" ? "green" : "blue"
		);
	};

	const events = {
		refresh(frm) {
			if (frm.is_new()) return;
			delivery_alert(frm);
			document_buttons(frm);
			frappe
				.call({ method: API + "next_states", args: { doctype: frm.doctype, name: frm.doc.name } })
				.then((r) => {
					(r.message || []).forEach((status) => {
						frm.add_custom_button(
							__(status),
							() =>
								frappe
									.call({
										method: API + "advance",
										args: { doctype: frm.doctype, name: frm.doc.name, to_status: status },
										freeze: true,
									})
									.then(() => frm.reload_doc()),
							__("Move to")
						);
					});
				});
		},
	};
	["Formation Order", "Compliance Service"].forEach((doctype) => frappe.ui.form.on(doctype, events));
})();
