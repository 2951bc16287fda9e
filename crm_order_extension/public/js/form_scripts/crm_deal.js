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
}
