"""No full scan on an event path: each lookup that an order change, a record's insert or edit, a
Contact change or the sweep makes is EXPLAINed on tables with enough rows for the optimizer to
prefer an index, and must use one. The indexes are declared (custom fields' search_index,
Property Setters on other apps' fields), so Frappe's schema sync keeps them (setup/indexes.py)."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from crm_order_extension.orders.fulfilment import invoice_lines_query
from crm_order_extension.orders.history import insert_rows

FILLER = 3000
PREFIX = "COE-PLAN-"


def plan(query: str) -> list[dict]:
	return frappe.db.sql(f"EXPLAIN {query}", as_dict=True)


def get_all_sql(doctype: str, filters, fields=("name",)) -> str:
	return frappe.get_all(doctype, filters=filters, fields=list(fields), run=0)


class TestEventPathsUseIndexes(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		now = now_datetime()
		base = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]
		common = (now, now, "Administrator", "Administrator", 0, 0)
		insert_rows(
			"CRM Lead",
			[*base, "first_name", "lead_name", "email", "organization", "custom_order_customer"],
			[
				(f"{PREFIX}L{n}", *common, "P", f"Plan {n}", f"p{n}@plan.invalid", f"Org {n}", f"C{n % 500}")
				for n in range(FILLER)
			],
		)
		insert_rows(
			"CRM Deal",
			[*base, "email", "organization", "custom_order_customer"],
			[
				(f"{PREFIX}D{n}", *common, f"p{n}@plan.invalid", f"Org {n}", f"C{n % 500}")
				for n in range(FILLER)
			],
		)
		# Helpdesk v1.5 numbers its tickets (autoincrement, a bigint name); later versions name them
		numbered = frappe.get_meta("HD Ticket").autoname == "autoincrement"
		insert_rows(
			"HD Ticket",
			[*base, "subject", "raised_by", "contact", "custom_order_customer"],
			[
				(
					900_000_000 + n if numbered else f"{PREFIX}T{n}",
					*common,
					"Plan",
					f"p{n}@plan.invalid",
					f"{PREFIX}K{n}",
					f"C{n % 500}",
				)
				for n in range(FILLER)
			],
		)
		insert_rows(
			"Contact Email",
			[*base, "parent", "parenttype", "parentfield", "email_id"],
			[
				(f"{PREFIX}E{n}", *common, f"{PREFIX}K{n}", "Contact", "email_ids", f"p{n}@plan.invalid")
				for n in range(FILLER)
			],
		)
		insert_rows(
			"Work Order",
			[*base, "sales_order", "production_item", "qty"],
			[(f"{PREFIX}W{n}", *common, f"{PREFIX}SO{n}", "X", 1) for n in range(FILLER)],
		)
		insert_rows(
			"Customer Order History",
			[*base, "customer", "calendar_due"],
			[
				(f"{PREFIX}H{n}", *common, f"{PREFIX}C{n}", add_to_date(now, days=n % 90))
				for n in range(FILLER)
			],
		)
		insert_rows(
			"Customer Order History Line",
			[*base, "parent", "parenttype", "parentfield", "sales_order"],
			[
				(f"{PREFIX}HL{n}", *common, f"{PREFIX}H{n}", "Customer Order History", "lines", "SO")
				for n in range(FILLER)
			],
		)
		for child, link in (
			("Sales Invoice Item", "sales_order"),
			("Delivery Note Item", "against_sales_order"),
			("Shipment Delivery Note", "delivery_note"),
		):
			insert_rows(
				child,
				[*base, "parent", "parenttype", link],
				[
					(f"{PREFIX}{child[:3]}{n}", *common, f"{PREFIX}P{n}", "X", f"{PREFIX}SO{n}")
					for n in range(FILLER)
				],
			)
		due = add_to_date(now, days=1)
		insert_rows(
			"CRM SLA Cycle",
			[*base, "parent", "parenttype", "parentfield", "outcome", "response_by", "sweep_due"],
			[
				(
					f"{PREFIX}Y{n}",
					*common,
					f"{PREFIX}L{n}",
					"CRM Lead",
					"custom_sla_cycles",
					"Running",
					due,
					due,
				)
				for n in range(FILLER)
			],
		)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def assert_uses_index(self, label: str, query: str, table: str | None = None):
		rows = plan(query)
		scans = [r for r in rows if r["type"] == "ALL" and (table is None or r["table"] == table)]
		self.assertFalse(scans, f"{label}: full scan\n{query}\n{rows}")

	def test_order_change_fan_out(self):
		for doctype in ("CRM Lead", "CRM Deal", "HD Ticket"):
			for field in ("custom_order_customer", "custom_erpnext_customer"):
				self.assert_uses_index(f"{doctype}.{field}", get_all_sql(doctype, {field: "C7"}))

	def test_record_and_contact_lookups(self):
		emails = ["p1@plan.invalid", "p2@plan.invalid"]
		cases = [
			("CRM Lead", {"email": ("in", emails)}),
			("CRM Lead", {"organization": "Org 1"}),
			("CRM Lead", {"lead_name": "Plan 1"}),
			("CRM Deal", {"email": ("in", emails)}),
			("CRM Deal", {"organization": "Org 1"}),
			("HD Ticket", {"raised_by": ("in", emails)}),
			("HD Ticket", {"contact": f"{PREFIX}K1"}),
			("Contact Email", {"parenttype": "Contact", "email_id": ("in", emails)}),
			("CRM Contacts", {"parenttype": "CRM Deal", "contact": ("in", [f"{PREFIX}K1"])}),
			("Customer", {"email_id": ("in", emails)}),
		]
		if frappe.get_meta("CRM Deal").has_field("contact"):
			cases.append(("CRM Deal", {"contact": f"{PREFIX}K1"}))
		for doctype, filters in cases:
			self.assert_uses_index(
				f"{doctype} {filters}", get_all_sql(doctype, filters), table=f"tab{doctype}"
			)

	def test_history_rows_and_work_orders(self):
		self.assert_uses_index(
			"Work Order by sales_order",
			get_all_sql("Work Order", {"sales_order": ("in", [f"{PREFIX}SO1", f"{PREFIX}SO2"])}),
		)
		for child in ("CRM Lead Order Item", "HD Ticket Order Item"):
			self.assert_uses_index(
				f"{child} by parent", get_all_sql(child, {"parent": "7", "parenttype": "HD Ticket"})
			)

	def test_one_history_per_customer(self):
		"""An order change finds its customer's history, writes its lines and updates the records
		resolved to the customer; the daily refresh finds the histories the calendar changed."""
		self.assert_uses_index(
			"history by customer", get_all_sql("Customer Order History", {"customer": f"{PREFIX}C7"})
		)
		from crm_order_extension.orders.bulk import histories_due

		self.assert_uses_index("histories due", histories_due(now_datetime().date()).get_sql())
		self.assert_uses_index(
			"history lines by parent",
			get_all_sql(
				"Customer Order History Line",
				{"parent": f"{PREFIX}H7", "parenttype": "Customer Order History"},
			),
		)
		for doctype in ("CRM Lead", "CRM Deal", "HD Ticket"):
			table = frappe.qb.DocType(doctype)
			update = (
				frappe.qb.update(table)
				.set(table.custom_open_orders, 1)
				.where(table.custom_order_customer == "C7")
				.get_sql()
			)
			self.assert_uses_index(f"{doctype} set-based update", update)

	def test_billing_shipping_and_returns_of_orders(self):
		"""What an order change reads beside the orders (issue 18)."""
		orders = [f"{PREFIX}SO1", f"{PREFIX}SO2"]
		self.assert_uses_index(
			"invoices of orders, summed per invoice",
			invoice_lines_query(orders).get_sql(),
			table="tabSales Invoice Item",
		)
		for doctype, filters in (
			("Delivery Note Item", {"parenttype": "Delivery Note", "against_sales_order": ("in", orders)}),
			("Shipment Delivery Note", {"parenttype": "Shipment", "delivery_note": ("in", orders)}),
		):
			self.assert_uses_index(
				f"{doctype} {filters}", get_all_sql(doctype, filters), table=f"tab{doctype}"
			)

	def test_order_sync_health_reads_the_records_changed_last_by_index(self):
		for doctype in ("CRM Lead", "CRM Deal", "HD Ticket"):
			query = frappe.get_all(doctype, fields=["name"], order_by="modified desc", limit=500, run=0)
			self.assert_uses_index(f"{doctype} newest by modified", query)

	def test_the_sweep_claims_by_index(self):
		cycle = frappe.qb.DocType("CRM SLA Cycle")
		query = (
			frappe.qb.from_(cycle)
			.select(cycle.name)
			.where((cycle.sweep_due < now_datetime()) & (cycle.parenttype == "CRM Lead"))
			.get_sql()
		)
		self.assert_uses_index("cycles by sweep_due", query)
		self.assert_uses_index(
			"cycles by sweep_token",
			get_all_sql("CRM SLA Cycle", {"sweep_token": "abc", "parenttype": "CRM Lead"}),
		)
		self.assert_uses_index(
			"leads by sweep token", get_all_sql("CRM Lead", {"custom_sla_sweep_token": "abc"})
		)

	def test_the_sweep_claims_resolution_and_at_risk_by_index(self):
		"""The steady 5-minute sweep: the records still running a resolution target, and the ones
		still waiting for a first response, found by index (not a scan of every lead and deal)."""
		now = now_datetime()
		for doctype in ("CRM Lead", "CRM Deal"):
			table = frappe.qb.DocType(doctype)
			for label, condition in (
				(
					"resolution",
					(table.custom_resolution_status == "Running") & (table.custom_resolution_by < now),
				),
				(
					"at risk",
					(table.sla_status == "First Response Due")
					& (table.response_by >= now)
					& (table.custom_sla_at_risk_notified == 0),
				),
			):
				query = frappe.qb.update(table).set(table.custom_sla_sweep_token, "abc").where(condition)
				self.assert_uses_index(f"{doctype} {label} claim", query.get_sql())
