// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

const SENSITIVE_VIEWER = "Sensitive Data Viewer";
const DOCUMENTS_API = "crm_order_extension.api.documents.";

frappe.ui.form.on("Document Template", {
	refresh(frm) {
		if (frm.is_new()) return;
		const viewer = frappe.user.has_role(SENSITIVE_VIEWER);
		if (viewer && frm.doc.uses_sensitive_ids && !frm.is_dirty()) {
			frm.add_custom_button(
				frm.doc.sensitive_ids_approved_by
					? __("Approve Sensitive IDs Again")
					: __("Approve Sensitive IDs"),
				() =>
					frappe.confirm(
						__(
							"Documents of this template will carry the Sensitive IDs it reads, for every order it applies to, until its body or .docx is edited. Approve it as it reads now?"
						),
						() =>
							frappe
								.call({
									method: DOCUMENTS_API + "approve_sensitive_ids",
									args: { template: frm.doc.name },
								})
								.then(() => frm.reload_doc())
					)
			);
		}
		if (frm.doc.sensitive_ids_approved_by && (viewer || frm.perm[0]?.write)) {
			frm.add_custom_button(__("Withdraw Approval"), () =>
				frappe
					.call({
						method: DOCUMENTS_API + "withdraw_sensitive_ids_approval",
						args: { template: frm.doc.name },
					})
					.then(() => frm.reload_doc())
			);
		}
		if (frm.doc.output_format !== "DOCX") {
			frm.add_custom_button(__("Preview"), () => preview(frm));
		}
	},
});

function preview(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Preview {0}", [frm.doc.template_name]),
		fields: [
			{
				fieldname: "name",
				label: __(frm.doc.pipeline_doctype),
				fieldtype: "Link",
				options: frm.doc.pipeline_doctype,
				reqd: 1,
			},
		],
		primary_action_label: __("Preview"),
		primary_action(values) {
			frappe
				.call({
					method: DOCUMENTS_API + "preview",
					args: { template: frm.doc.name, doctype: frm.doc.pipeline_doctype, name: values.name },
				})
				.then((r) => {
					dialog.hide();
					show_preview(r.message.html);
				});
		},
	});
	dialog.show();
}

function show_preview(html) {
	// The template's own HTML, in a sandboxed frame: no script of a template runs in Desk.
	const dialog = new frappe.ui.Dialog({
		title: __("Preview"),
		size: "extra-large",
		fields: [{ fieldname: "body", fieldtype: "HTML" }],
	});
	const frame = document.createElement("iframe");
	frame.setAttribute("sandbox", "");
	frame.style.width = "100%";
	frame.style.height = "70vh";
	frame.style.border = "0";
	frame.srcdoc = html;
	dialog.fields_dict.body.$wrapper.empty().append(frame);
	dialog.show();
}
