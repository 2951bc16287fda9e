// Copyright (c) 2026, CRM Order Extension contributors
// For license information, please see license.txt

frappe.listview_settings["Commission Ledger"] = {
	add_fields: ["status", "refund_flagged"],
	get_indicator(doc) {
		if (doc.refund_flagged) return [__("Refunded After Payout"), "red", "refund_flagged,=,1"];
		const colors = { Pending: "orange", Eligible: "blue", Paid: "green", Reversed: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
	onload(listview) {
		if (!frappe.model.can_write("Commission Ledger")) return;
		listview.page.add_actions_menu_item(__("Mark as Paid"), () => {
			const names = listview.get_checked_items(true);
			if (!names.length) {
				frappe.msgprint(__("Select the Eligible commissions to pay out"));
				return;
			}
			frappe.prompt(
				{
					fieldname: "paid_date",
					fieldtype: "Date",
					label: __("Paid Date"),
					reqd: 1,
					default: "Today",
				},
				(values) =>
					frappe
						.call({
							method: "crm_order_extension.api.commissions.mark_paid",
							args: { names, paid_date: values.paid_date },
							freeze: true,
						})
						.then((r) => {
							frappe.show_alert({
								message: __("{0} commissions paid", [r.message.paid]),
								indicator: "green",
							});
							listview.refresh();
						}),
				__("Mark as Paid"),
				__("Mark as Paid")
			);
		});
	},
};
