// Formation Order and Compliance Service: one button per legal next status.
frappe.provide("crm_order_extension.pipeline");

(() => {
	const ns = crm_order_extension.pipeline;
	if (ns.registered) return;
	ns.registered = true;
	const API = "crm_order_extension.api.pipelines.";

	const events = {
		refresh(frm) {
			if (frm.is_new()) return;
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
