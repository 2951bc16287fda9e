// The CRM Deal form script in /crm (after crm_shared.js in the generated fixture).
/* global CRMOrderHistoryPage */
/* exported CRMDeal */
class CRMDeal extends CRMOrderHistoryPage {
	historyDoctype() {
		return "CRM Deal";
	}

	moreActions(t) {
		return [
			{
				label: t("Create Sales Order"),
				onClick: () => this.createSalesOrder(t),
			},
			{
				label: t("Quotations & Stock"),
				onClick: () => this.showQuotesAndStock(t),
			},
		];
	}

	syncOrderHistory() {
		return call("crm_order_extension.api.orders.fetch_deal_orders", { deal_name: this.doc.name });
	}

	// Deal won -> Sales Order (CRM Order Extension): winning the deal makes its draft order once;
	// this makes a new one for a won deal whose orders are all cancelled (refused otherwise).
	async createSalesOrder() {
		try {
			const result = await call("crm_order_extension.api.deals.recreate_sales_order", {
				deal: this.doc.name,
			});
			toast.success(result.message);
		} catch (error) {
			toast.error((error.messages && error.messages.join(" ")) || error.message);
		}
	}

	// Quotations & stock (CRM Order Extension): the deal's quotations (CRM's Create Quotation or
	// made in ERPNext for its customer) and the stock of each product line with its ship date.
	async showQuotesAndStock(t) {
		try {
			const [quotes, stock] = await Promise.all([
				call("crm_order_extension.api.deals.get_deal_quotations", { deal: this.doc.name }),
				call("crm_order_extension.api.deals.get_deal_stock", { deal: this.doc.name }),
			]);
			createDialog({
				title: t("Quotations & Stock"),
				html: this.quotesHtml(t, quotes) + this.stockHtml(t, stock),
				size: "4xl",
			});
		} catch (error) {
			toast.error((error.messages && error.messages.join(" ")) || error.message);
		}
	}

	esc(value) {
		return String(value === null || value === undefined ? "" : value).replace(
			/[&<>"']/g,
			(c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]
		);
	}

	table(headers, rows, empty) {
		const esc = (value) => this.esc(value);
		const cell = (value) => (value && value.html !== undefined ? value.html : esc(value));
		const head = headers.map((h) => '<th style="text-align:left;padding:4px 8px">' + esc(h) + "</th>");
		const body = rows.length
			? rows.map(
					(row) =>
						"<tr>" +
						row.map((v) => '<td style="padding:4px 8px">' + cell(v) + "</td>").join("") +
						"</tr>"
				)
			: [
					'<tr><td style="padding:4px 8px" colspan="' +
						headers.length +
						'">' +
						esc(empty) +
						"</td></tr>",
				];
		return (
			'<table style="width:100%;border-collapse:collapse;margin-bottom:16px"><thead><tr>' +
			head.join("") +
			"</tr></thead><tbody>" +
			body.join("") +
			"</tbody></table>"
		);
	}

	link(url, label) {
		return {
			html: '<a href="' + this.esc(encodeURI(url)) + '" target="_blank">' + this.esc(label) + "</a>",
		};
	}

	quotesHtml(t, result) {
		const title = '<h3 style="font-weight:600;margin:4px 0">' + t("Quotations") + "</h3>";
		if (result.permitted === false) return title + "<p>" + t("You may not read quotations.") + "</p>";
		const rows = (result.quotations || []).map((q) => [
			this.link(q.url, q.name),
			q.state_label,
			q.valid_till || "",
			(q.currency || "") + " " + Number(q.grand_total || 0).toLocaleString(),
		]);
		return (
			title +
			this.table(
				[t("Quotation"), t("Status"), t("Valid Till"), t("Grand Total")],
				rows,
				t("No quotations")
			)
		);
	}

	stockHtml(t, result) {
		const title =
			'<h3 style="font-weight:600;margin:4px 0">' +
			t("Stock") +
			" · " +
			this.esc(result.company || "") +
			"</h3>";
		const rows = (result.lines || []).map((line) => [
			line.product_name,
			line.qty,
			line.available,
			line.projected,
			line.ship_date || t("No date"),
			line.source ? this.link(line.source_url, line.source_name) : "",
		]);
		return (
			title +
			this.table(
				[t("Product"), t("Qty"), t("Available"), t("Projected"), t("Ships"), t("Covered By")],
				rows,
				t("No products")
			)
		);
	}
}
