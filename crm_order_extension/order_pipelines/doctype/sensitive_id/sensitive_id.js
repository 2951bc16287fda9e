// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.ui.form.on("Sensitive ID", {
	refresh(frm) {
		if (frm.is_new() || !frappe.user.has_role("Sensitive Data Viewer")) return;
		frm.add_custom_button(__("Reveal"), () =>
			frappe
				.call({
					method: "crm_order_extension.api.sensitive_ids.reveal",
					args: { name: frm.doc.name },
				})
				.then((r) => {
					// Shown once in a dialog, never put into the form (it would be saved back).
					frappe.msgprint({
						title: __("{0} of {1}", [r.message.id_type, r.message.customer]),
						message:
							frappe.utils.escape_html(r.message.formatted) +
							"<br><small>" +
							__("This reveal has been logged.") +
							"</small>",
					});
				})
		);
	},
});
