from datetime import date

from crm_order_extension.core import fulfilment as f

ORDER = {"name": "SO-1", "currency": "USD", "grand_total": 240, "per_billed": 100}
LINES = [
	{"name": "L1", "item_code": "CAKE", "qty": 2, "delivered_qty": 2},
	{"name": "L2", "item_code": "BREAD", "qty": 4, "delivered_qty": 1},
]
INVOICES = [
	{
		"name": "SI-1",
		"status": "Overdue",
		"posting_date": "2026-12-01",
		"due_date": "2026-12-15",
		"grand_total": 240,
		"outstanding_amount": 200,
		"currency": "USD",
		"is_return": 0,
	},
	{
		"name": "SI-2",
		"status": "Return",
		"posting_date": "2026-12-03",
		"due_date": None,
		"grand_total": -40,
		"outstanding_amount": 0,
		"currency": "USD",
		"is_return": 1,
	},
]
INVOICE_LINES = [
	{"parent": "SI-1", "so_detail": "L1", "item_code": "CAKE", "qty": 2, "amount": 80},
	{"parent": "SI-1", "so_detail": "L2", "item_code": "BREAD", "qty": 4, "amount": 160},
	{"parent": "SI-2", "so_detail": "L2", "item_code": "BREAD", "qty": -1, "amount": -40},
]
DELIVERIES = [
	{
		"name": "DN-1",
		"posting_date": "2026-12-02",
		"status": "Completed",
		"is_return": 0,
		"transporter_name": "DHL",
		"lr_no": "LR-77",
	},
	{"name": "DN-2", "posting_date": "2026-12-04", "status": "Completed", "is_return": 0},
	{"name": "DN-3", "posting_date": "2026-12-05", "status": "Return", "is_return": 1},
]
DELIVERY_LINES = [
	{"parent": "DN-1", "so_detail": "L1", "item_code": "CAKE", "qty": 2, "amount": 80},
	{"parent": "DN-2", "so_detail": "L2", "item_code": "BREAD", "qty": 2, "amount": 80},
	{"parent": "DN-3", "so_detail": "L2", "item_code": "BREAD", "qty": -1, "amount": -40},
]
SHIPMENTS = {
	"DN-2": {
		"carrier": "UPS",
		"awb_number": "1Z999AA10123456784",
		"tracking_url": " https://ups.example/1Z999 ",
		"tracking_status": "In Progress",
	}
}


def fulfilment():
	return f.order_fulfilment(ORDER, LINES, INVOICES, INVOICE_LINES, DELIVERIES, DELIVERY_LINES, SHIPMENTS)


def test_billing_payment_and_returns_per_order():
	result = fulfilment()
	assert [i["name"] for i in result["invoices"]] == ["SI-1"]
	assert (result["outstanding"], result["unpaid_invoices"], result["next_due_date"]) == (
		200,
		1,
		date(2026, 12, 15),
	)
	assert [(r["doctype"], r["name"], r["qty"], r["amount"]) for r in result["returns"]] == [
		("Sales Invoice", "SI-2", 1, 40),
		("Delivery Note", "DN-3", 1, 40),
	]


def test_shipping_and_tracking_per_delivery_and_line():
	result = fulfilment()
	dhl, ups = result["deliveries"]
	assert (dhl["carrier"], dhl["tracking_number"], dhl["tracking_url"]) == ("DHL", "LR-77", None)
	assert (ups["carrier"], ups["tracking_number"], ups["tracking_url"], ups["tracking_status"]) == (
		"UPS",
		"1Z999AA10123456784",
		"https://ups.example/1Z999",
		"In Progress",
	)
	assert [f.shipped_state(line["qty"], line["delivered_qty"]) for line in LINES] == [f.FULLY, f.PARTLY]
	assert result["shipped"] == f.PARTLY


def test_summary_line_parts():
	extra = f.summary([fulfilment()])
	assert f.summary_parts(extra) == [
		("{0} unpaid ({1}, due {2})", (1, ("USD", 200), date(2026, 12, 15))),
		("shipped {0} via {1} {2}", (1, "UPS", "1Z999A…")),
	]
	paid = {**fulfilment(), "unpaid_invoices": 0, "deliveries": []}
	assert f.summary_parts(f.summary([paid])) == []


def test_customer_header_nets_credit_notes():
	sums = [
		{"currency": "USD", "is_return": 0, "grand_total": 1000, "outstanding_amount": 200},
		{"currency": "USD", "is_return": 1, "grand_total": -40, "outstanding_amount": -40},
	]
	assert f.header(3, "2026-12-01", sums) == {
		"orders": 3,
		"last_order_date": date(2026, 12, 1),
		"lifetime_billed": 960,
		"outstanding": 200,
		"currency": "USD",
	}


def test_side_panel_rows_are_short():
	extra = f.summary([fulfilment()])
	assert f.unpaid_part(extra) == ("{0}, due {1}", (("USD", 200), date(2026, 12, 15)))
	assert f.last_shipment(extra) == "UPS 1Z999A…"
	assert f.unpaid_part({"unpaid_orders": 0}) is None
	assert f.last_shipment({"shipped_orders": 1, "latest_carrier": None, "latest_tracking": "LR-1"}) == "LR-1"
	assert f.last_shipment({"shipped_orders": 0}) == ""
