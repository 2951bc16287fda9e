// Order & production history (CRM Order Extension) in /crm: what the CRM Lead and CRM Deal form
// scripts share. Each CRM Form Script (fixtures/crm_form_script.json) is this file followed by
// crm_lead.js or crm_deal.js, written by `python -m crm_order_extension.form_scripts`.
// CRM evaluates the script text once for every `class Name` declaration it finds outside comments and
// takes the class of that name: the base is a class expression, so the DocType's class (CRMLead,
// CRMDeal) is the script's only declaration. `call`, `createDialog`, `toast` and `socket` are the
// helpers CRM passes to the script; `__` is /crm's translation function.
/* exported CRMOrderHistoryPage */
const CRMOrderHistoryPage = class {
	// Re-sync on demand and show the history on the page: one "Orders" menu in the page header
	// (CRM renders actions with `group` and `buttonLabel` as a labelled dropdown, v1.52 as v1.8x), so
	// the header keeps room for CRM's own buttons and status at 1280 px.
	onLoad() {
		const t = typeof __ === "function" ? __ : (text) => text;
		this.actions = [
			{
				group: t("Orders"),
				buttonLabel: t("Orders"),
				items: [
					{
						label: t("Order History"),
						onClick: () => this.showOrderHistory(t),
					},
					{
						label: t("Fetch Order History"),
						onClick: () => this.fetchOrderHistory(t),
					},
					...this.moreActions(t),
				],
			},
		];
		this.listenForSlaNotices();
		this.listenForOrderHistory();
	}

	// The DocType's own entries of the Orders menu, after the two history ones.
	moreActions() {
		return [];
	}

	// Live order summary: the side panel's "Orders" fields and an open history dialog follow the
	// server's history changes. One listener per page; it serves the page's record.
	listenForOrderHistory() {
		window.__crmOrderExtensionHistoryPage = this;
		this.refreshOrderHistory(); // learns which customer history the page shows (historyKey)
		if (typeof socket === "undefined" || !socket || window.__crmOrderExtensionHistoryListening) return;
		window.__crmOrderExtensionHistoryListening = true;
		socket.on("crm_order_extension:history_changed", (data) => {
			const page = window.__crmOrderExtensionHistoryPage;
			if (!page || !data || !page.doc) return;
			const record =
				String(page.doc.name) === String(data.name) && data.doctype === page.historyDoctype();
			// An order change announces its customer's history once (an opaque key), not each record.
			const customer = data.history && page.historyKey === data.history;
			if (record || customer) page.refreshOrderHistory();
		});
	}

	async refreshOrderHistory() {
		const api = "crm_order_extension.api.orders.";
		try {
			const history = await call(api + "get_order_history", {
				doctype: this.historyDoctype(),
				name: this.doc.name,
				page_length: 1,
			});
			this.historyKey = history.history;
			Object.entries(history.summary || {}).forEach(([field, value]) => {
				if ("custom_" + field in this.doc) this.doc["custom_" + field] = value;
			});
			const body = document.getElementById("coe-order-history-body");
			if (body) {
				const view = await call(api + "get_order_history_html", {
					doctype: this.historyDoctype(),
					name: this.doc.name,
				});
				body.innerHTML = view.html;
			}
		} catch {
			// not allowed to see order histories: nothing to refresh
		}
	}

	// The stored history, as the summary's "Orders" promise: opening it never re-syncs.
	async showOrderHistory(t) {
		const api = "crm_order_extension.api.orders.";
		try {
			const view = await call(api + "get_order_history_html", {
				doctype: this.historyDoctype(),
				name: this.doc.name,
			});
			createDialog({
				title: t("Order History"),
				html: '<div id="coe-order-history-body">' + view.html + "</div>",
				size: "5xl",
				actions: [
					{ label: t("Refresh"), variant: "solid", onClick: () => this.fetchOrderHistory(t) },
				],
			});
		} catch (error) {
			toast.error((error.messages && error.messages.join(" ")) || error.message);
		}
	}

	// SLA notices: the 5-minute sweep sends these realtime events to the owner. One listener per
	// page, whichever lead or deal loaded first; the notice itself names the record.
	listenForSlaNotices() {
		const key = "__crmOrderExtensionSlaNotices";
		if (typeof socket === "undefined" || !socket || window[key]) return;
		window[key] = true;
		const levels = { sla_failed: "error", sla_resolution_failed: "error", sla_at_risk: "warning" };
		Object.entries(levels).forEach(([event, level]) => {
			socket.on(event, (data) => {
				if (data && data.message) toast[level](data.message);
			});
		});
	}

	// Re-sync (the DocType's syncOrderHistory), then show the fresh history.
	async fetchOrderHistory(t) {
		try {
			const result = await this.syncOrderHistory();
			if (result.success) toast.success(result.message);
			else toast.error(result.message);
			await this.refreshOrderHistory();
			if (!document.getElementById("coe-order-history-body")) await this.showOrderHistory(t);
		} catch (error) {
			toast.error((error.messages && error.messages.join(" ")) || error.message);
		}
	}
};
