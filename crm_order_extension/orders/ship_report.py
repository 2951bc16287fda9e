"""Late Order Lines: every open order line of the Sales Orders the user may read, with its expected
ship date and standing, computed live by the same code as the histories (orders/history.py)."""

import frappe
from frappe.utils import getdate

from crm_order_extension.core import ship_dates
from crm_order_extension.orders.history import ORDER_FIELDS, rows_for_orders

MAX_ORDERS = 1000

# Lines "waiting on" a stage: the stage is not through yet.
STAGE_DONE = {
	"OPS": ("ops_status", "APPROVED"),
	"Material": ("material_status", "IN_STOCK"),
	"Production": ("production_status", "DONE"),
	"QA": ("qa_status", "APPROVED"),
}
STATUSES = {
	"Late": (ship_dates.LATE,),
	"Late or At risk": (ship_dates.LATE, ship_dates.AT_RISK),
	"All open": (ship_dates.LATE, ship_dates.AT_RISK, ship_dates.ON_TIME),
}


def late_lines(filters) -> list[dict]:
	order_filters = {"docstatus": 1, "status": ("not in", ship_dates.CLOSED_ORDER_STATUSES)}
	if filters.get("customer"):
		order_filters["customer"] = filters.customer
	orders = frappe.get_list(
		"Sales Order",
		filters=order_filters,
		fields=[*ORDER_FIELDS, "customer"],
		order_by="delivery_date asc",
		limit_page_length=MAX_ORDERS,
	)
	customers = {o.name: o.customer for o in orders}
	wanted = STATUSES.get(filters.get("ship_status") or "Late", STATUSES["Late"])
	stage = STAGE_DONE.get(filters.get("stage") or "")
	today = getdate()
	rows = []
	for row in rows_for_orders(orders):
		if row["ship_status"] not in wanted:
			continue
		if filters.get("item_code") and row["item_code"] != filters.item_code:
			continue
		if stage and row.get(stage[0]) == stage[1]:
			continue
		reference = row["expected_ship_date"] or today
		delivery = getdate(row["delivery_date"]) if row["delivery_date"] else None
		rows.append(
			{
				**row,
				"customer": customers.get(row["sales_order"]),
				"days_late": max((getdate(reference) - delivery).days, 0) if delivery else None,
			}
		)
	return sorted(rows, key=lambda r: (-(r["days_late"] or 0), str(r["delivery_date"] or "")))
