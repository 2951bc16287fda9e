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
					__(
						"Email the latest documents to the customer's primary contact and mark the order Delivered?"
					),
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

	// Every generated file by run, newest first: the sidebar shows the same names cut short, so
	// versions cannot be told apart there.
	const documents_list = (frm) => {
		const field = frm.get_field("documents_html");
		if (!field || !frm.doc.document_version) return;
		frappe
			.call({ method: DOCS_API + "list_documents", args: { doctype: frm.doctype, name: frm.doc.name } })
			.then((r) => {
				const rows = (r.message.documents || [])
					.slice()
					.sort((a, b) => (b.version || 0) - (a.version || 0))
					.map(
						(d) => `<tr>
							<td><a href="${encodeURI(d.file_url)}" target="_blank" rel="noopener">
								${frappe.utils.escape_html(d.file_name)}</a></td>
							<td>${d.version ? __("Version {0}", [d.version]) : ""}</td>
							<td>${d.latest ? `<span class="indicator-pill green">${__("Latest")}</span>` : ""}</td>
						</tr>`
					)
					.join("");
				field.$wrapper.html(
					rows
						? `<table class="table table-sm table-bordered"><thead><tr>
							<th>${__("Document")}</th><th>${__("Run")}</th><th></th>
						</tr></thead><tbody>${rows}</tbody></table>`
						: `<p class="text-muted">${__("No documents attached")}</p>`
				);
			});
	};

	const events = {
		refresh(frm) {
			if (frm.is_new()) return;
			delivery_alert(frm);
			document_buttons(frm);
			documents_list(frm);
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
