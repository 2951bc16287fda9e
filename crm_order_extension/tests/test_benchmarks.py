"""Benchmarks touch only rows they make, remove them (issue 9, item 6) and refuse a site without
allow_tests unless told. They commit as they go, as `bench crm-orders benchmark*` does."""

import contextlib
import io
import os
import subprocess
import sys
from datetime import timedelta

import frappe
from frappe.installer import update_site_config
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from crm_order_extension.benchmarks import order_history, scale, sla
from crm_order_extension.core import sla as rules
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_records


def bench(*args: str) -> subprocess.CompletedProcess:
	return subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site, *args],
		cwd=os.path.abspath(frappe.local.sites_path),
		capture_output=True,
		text=True,
		timeout=600,
	)


class TestBenchmarksKeepToTheirOwnRows(FrappeTestCase):
	def test_sla_benchmark_leaves_other_leads_alone(self):
		lead = fx.make_lead("Real", email=f"{frappe.generate_hash(length=8)}@example.com")
		overdue = add_to_date(now_datetime(), hours=-3)
		frappe.db.set_value("CRM Lead", lead.name, {"response_by": overdue, "custom_sla_at_risk_notified": 0})
		frappe.db.commit()
		try:
			figures = sla.run(leads=300)
			self.assertEqual(figures["leads"], 300)
			frappe.db.rollback()
			state = frappe.db.get_value(
				"CRM Lead", lead.name, ["sla_status", "custom_sla_sweep_token"], as_dict=True
			)
			self.assertEqual(state.sla_status, rules.FIRST_RESPONSE_DUE)
			self.assertFalse(state.custom_sla_sweep_token)
			self.assertFalse(frappe.db.exists("Notification Log", {"document_name": lead.name}))
			self.assertFalse(frappe.db.exists("CRM Lead", {"name": ("like", f"{sla.PREFIX}%")}))
		finally:
			frappe.db.rollback()
			delete_records([("CRM Lead", lead.name)])
			frappe.db.commit()

	def test_order_history_benchmark_removes_its_orders(self):
		counted = ("Sales Order", "Work Order", "Sales Invoice", "Sales Invoice Item", "Delivery Note")
		before = {doctype: frappe.db.count(doctype) for doctype in counted}
		limit = frappe.db.get_single_value("CRM Order Extension Settings", "max_orders")
		figures = order_history.run(orders=20, items=2)
		self.assertGreater(figures["ratio"], 0)
		self.assertGreater(figures["customer_history_queries"], 0)
		frappe.db.rollback()
		self.assertEqual({doctype: frappe.db.count(doctype) for doctype in counted}, before)
		self.assertFalse(
			frappe.db.exists("Customer", {"customer_name": ("like", f"{order_history.CUSTOMER}%")})
		)
		self.assertEqual(frappe.db.get_single_value("CRM Order Extension Settings", "max_orders"), limit)

	def test_a_site_without_allow_tests_is_refused_unless_told(self):
		update_site_config("allow_tests", False)
		try:
			refused = bench("crm-orders", "benchmark-sla", "--leads", "10")
		finally:
			update_site_config("allow_tests", True)
		self.assertNotEqual(refused.returncode, 0)
		self.assertIn("--allow-non-test-site", refused.stderr + refused.stdout)
		self.assertFalse(frappe.db.exists("CRM Lead", {"name": ("like", f"{sla.PREFIX}%")}))

	def test_the_sweep_scope_limits_every_condition(self):
		lead = fx.make_lead("Scoped", email=f"{frappe.generate_hash(length=8)}@example.com")
		frappe.db.set_value("CRM Lead", lead.name, "response_by", add_to_date(now_datetime(), hours=-1))
		from crm_order_extension.sla import sweep

		found = sweep.sweep_doctype("CRM Lead", now_datetime(), timedelta(minutes=30), scope=sla.own_rows)
		self.assertNotIn(lead.name, {row.name for rows in found.values() for row in rows})
		self.assertEqual(frappe.db.get_value("CRM Lead", lead.name, "sla_status"), rules.FIRST_RESPONSE_DUE)


class TestScaleBenchmark(FrappeTestCase):
	"""`benchmark-scale` at a small size: it builds its dataset, prints every row of issue 17's
	table and, with --drop, leaves the site's row counts as they were."""

	TABLES = (
		"Customer",
		"Contact",
		"Contact Email",
		"Dynamic Link",
		"Sales Order",
		"Sales Order Item",
		"Work Order",
		"CRM Lead",
		"CRM Deal",
		"HD Ticket",
		"CRM SLA Cycle",
		"CRM Lead Order Item",
		"HD Ticket Order Item",
		"Notification Log",
		"CRM Notification",
		"Email Queue",
		"Customer Order History",
		"Customer Order History Line",
	)

	def counts(self) -> dict[str, int]:
		return {t: frappe.db.count(t) for t in self.TABLES if frappe.db.table_exists(t)}

	def test_builds_measures_and_drops_a_small_dataset(self):
		frappe.db.rollback()
		before = self.counts()
		output = io.StringIO()
		with contextlib.redirect_stdout(output):
			result = scale.run(scale=0.002, drop=True, budget=60)
		frappe.db.rollback()
		self.assertEqual(self.counts(), before)
		self.assertFalse(scale.dataset_exists())
		self.assertLess(result["build_seconds"], 120)
		printed = output.getvalue()
		# the refresh "as it runs tomorrow" needs freezegun (the dev requirements)
		self.assertEqual(len(result["rows"]), 11 + bool(scale.tomorrow_frozen()), printed)
		for row in result["rows"]:
			self.assertIn(row.path, printed)
			self.assertIsNotNone(row.figure, row.path)
			self.assertGreater(row.figure.queries, 0, row.path)
		for target in ("≤ 50 ms DB", "≤ 2 s DB", "≤ 5 min", "≤ 2 s", "≤ 50 ms", "≤ 5 s"):
			self.assertIn(target, printed)

	def test_the_dataset_is_heavy_tailed_and_resolved(self):
		sizes = scale.sizes_for(0.002)
		try:
			scale.build_dataset(sizes)
			biggest, typical = scale.customer_name(1), scale.customer_name(sizes["customers"] // 10 + 1)
			orders = {c: frappe.db.count("Sales Order", {"customer": c}) for c in (biggest, typical)}
			self.assertAlmostEqual(orders[biggest] / sizes["orders"], scale.BIGGEST_ORDER_SHARE, delta=0.01)
			self.assertLess(orders[typical], orders[biggest])
			self.assertEqual(
				frappe.db.count("Sales Order Item", {"parent": ("like", f"{scale.PREFIX}%")}), sizes["items"]
			)
			# resolved as the app's resolver resolves them
			from crm_order_extension.orders.customer import load_record, resolve_customer

			lead = frappe.db.get_value("CRM Lead", {"custom_order_customer": typical}, "name")
			self.assertEqual(resolve_customer(load_record("CRM Lead", lead)).customer, typical)
			ticket = scale.ticket_raised_by_email_only()
			stored = frappe.db.get_value("HD Ticket", ticket, "custom_order_customer")
			self.assertEqual(resolve_customer(load_record("HD Ticket", ticket)).customer, stored)
		finally:
			frappe.db.rollback()
			scale.drop_dataset()
		self.assertFalse(scale.dataset_exists())

	def test_a_site_without_allow_tests_is_refused(self):
		update_site_config("allow_tests", False)
		try:
			refused = bench("crm-orders", "benchmark-scale", "--scale", "0.001", "--drop")
		finally:
			update_site_config("allow_tests", True)
		self.assertNotEqual(refused.returncode, 0)
		self.assertIn("allow_tests", refused.stderr + refused.stdout)
		self.assertFalse(scale.dataset_exists())
