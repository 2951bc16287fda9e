// The CRM Lead form script in /crm (after crm_shared.js in the generated fixture).
/* global CRMOrderHistoryPage */
/* exported CRMLead */
class CRMLead extends CRMOrderHistoryPage {
	historyDoctype() {
		return "CRM Lead";
	}

	syncOrderHistory() {
		return call("crm_order_extension.api.orders.fetch_orders", { lead_name: this.doc.name });
	}
}
