// Quotations & stock on the Desk CRM Deal form: the deal's quotations and the stock of its
// product lines with their earliest ship date (crm_order_extension.api.deals).
frappe.ui.form.on("CRM Deal", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Quotations & Stock"), () => {
			const API = "crm_order_extension.api.deals.";
			const args = { deal: frm.doc.name };
			Promise.all([
				frappe.call({ method: API + "get_deal_quotations", args }),
				frappe.call({ method: API + "get_deal_stock", args }),
			]).then(([quotes, stock]) => {
				const esc = (value) =>
					frappe.utils.escape_html(value === null || value === undefined ? "" : String(value));
				const table = (headers, rows, empty) =>
					'<table class="table table-bordered table-condensed"><thead><tr>' +
					headers.map((h) => "<th>" + esc(h) + "</th>").join("") +
					"</tr></thead><tbody>" +
					(rows.length
						? rows
								.map(
									(row) => "<tr>" + row.map((v) => "<td>" + v + "</td>").join("") + "</tr>"
								)
								.join("")
						: '<tr><td colspan="' + headers.length + '">' + esc(empty) + "</td></tr>") +
					"</tbody></table>";
				const q = quotes.message;
				const s = stock.message;
				const quoteRows = (q.quotations || []).map((row) => [
					'<a href="' + esc(row.url) + '">' + esc(row.name) + "</a>",
					esc(row.state_label),
					row.valid_till ? esc(frappe.datetime.str_to_user(row.valid_till)) : "",
					esc(
						frappe.format(
							row.grand_total,
							{ fieldtype: "Currency", options: "currency" },
							{ inline: true },
							row
						)
					),
				]);
				const stockRows = (s.lines || []).map((line) => [
					esc(line.product_name),
					esc(line.qty),
					esc(line.available),
					esc(line.projected),
					line.ship_date ? esc(frappe.datetime.str_to_user(line.ship_date)) : esc(__("No date")),
					line.source
						? '<a href="' + esc(line.source_url) + '">' + esc(line.source_name) + "</a>"
						: "",
				]);
				const dialog = new frappe.ui.Dialog({
					title: __("Quotations & Stock"),
					size: "extra-large",
					fields: [{ fieldtype: "HTML", fieldname: "body" }],
				});
				dialog.fields_dict.body.$wrapper.html(
					"<h5>" +
						esc(__("Quotations")) +
						"</h5>" +
						(q.permitted
							? table(
									[__("Quotation"), __("Status"), __("Valid Till"), __("Grand Total")],
									quoteRows,
									__("No quotations")
								)
							: "<p>" + esc(__("You may not read quotations.")) + "</p>") +
						"<h5>" +
						esc(__("Stock") + " · " + s.company) +
						"</h5>" +
						table(
							[
								__("Product"),
								__("Qty"),
								__("Available"),
								__("Projected"),
								__("Ships"),
								__("Covered By"),
							],
							stockRows,
							__("No products")
						)
				);
				dialog.show();
			});
		});
	},
});
