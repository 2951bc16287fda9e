import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from crm_order_extension.api import pipelines as api
from crm_order_extension.pipelines import calendar
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_pipelines import FULL_PATH, formation_order


class TestComplianceCalendar(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx.ensure_outgoing_email_account()
		cls.customer = fx.make_customer(f"Calendar Client {frappe.generate_hash(length=5)}")
		contact = fx.make_contact("Cal", f"{frappe.generate_hash(length=8)}@example.com", cls.customer)
		frappe.db.set_value("Customer", cls.customer, "customer_primary_contact", contact)

	def setUp(self):
		frappe.db.set_single_value("CRM Order Extension Settings", "due_soon_days", 30)

	def entry(self, due_date, **kwargs):
		return frappe.get_doc(
			{
				"doctype": "Compliance Calendar",
				"customer": self.customer,
				"entity_name": "Acme Holdings",
				"event_type": "Annual Report",
				"due_date": due_date,
				**kwargs,
			}
		).insert(ignore_permissions=True)

	def reminders(self, name):
		return frappe.db.count(
			"Email Queue", {"reference_doctype": "Compliance Calendar", "reference_name": name}
		)

	def test_status_buckets_with_frozen_dates(self):
		with self.freeze_time("2026-06-01"):
			self.assertEqual(self.entry("2026-07-02").status, "Upcoming")
			self.assertEqual(self.entry("2026-07-01").status, "Due Soon")  # exactly 30 days
			self.assertEqual(self.entry("2026-06-01").status, "Due Soon")  # due today
			self.assertEqual(self.entry("2026-05-31").status, "Overdue")
			self.assertEqual(self.entry("2026-05-31", completed_on="2026-05-30").status, "Completed")

	def test_one_reminder_per_occurrence(self):
		with self.freeze_time("2026-06-01"):
			entry = self.entry("2026-07-15")
			self.assertEqual(
				(entry.status, entry.reminder_sent, self.reminders(entry.name)), ("Upcoming", 0, 0)
			)
		with self.freeze_time("2026-06-20"):
			self.assertGreaterEqual(calendar.daily_refresh(), 1)  # other open entries may change too
			entry.reload()
			self.assertEqual(
				(entry.status, entry.reminder_sent, self.reminders(entry.name)), ("Due Soon", 1, 1)
			)
			entry.save()
			calendar.daily_refresh()
			self.assertEqual(self.reminders(entry.name), 1)
		with self.freeze_time("2026-07-16"):
			calendar.daily_refresh()
			entry.reload()
			self.assertEqual(entry.status, "Overdue")
			self.assertEqual(self.reminders(entry.name), 1)

	def test_month_end_recurrence_rolls_forward_exactly_once(self):
		with self.freeze_time("2027-01-20 10:00:00.123456"):
			entry = self.entry("2027-01-31", recurrence="Monthly")
			entry.completed_on = "2027-01-25"
			entry.save()
			entry.save()
			self.assertEqual(calendar.roll_forward(entry), entry.next_entry)
		successors = frappe.get_all(
			"Compliance Calendar", filters={"previous_entry": entry.name}, fields=["name", "due_date"]
		)
		self.assertEqual(len(successors), 1)
		self.assertEqual(getdate(successors[0].due_date), getdate("2027-02-28"))

	def test_leap_day_annual_entry(self):
		with self.freeze_time("2028-02-01 10:00:00.123456"):
			entry = self.entry("2028-02-29", recurrence="Annual")
			entry.completed_on = "2028-02-10"
			entry.save()
		self.assertEqual(
			getdate(frappe.db.get_value("Compliance Calendar", entry.next_entry, "due_date")),
			getdate("2029-02-28"),
		)

	def test_delivering_a_formation_creates_its_first_entries_once(self):
		order = formation_order(customer=self.customer, filing_number="DE-42")
		with self.freeze_time("2026-04-10"):
			for status in FULL_PATH:
				api.advance("Formation Order", order.name, status)
			order.reload()
			order.save()  # saving again must not add entries
		entries = frappe.get_all(
			"Compliance Calendar",
			filters={"source_doctype": "Formation Order", "source_name": order.name},
			fields=["event_type", "due_date", "recurrence"],
			order_by="event_type",
		)
		self.assertEqual(
			[(e.event_type, str(e.due_date), e.recurrence) for e in entries],
			[("Annual Report", "2027-04-10", "Annual"), ("Registered Agent Renewal", "2027-04-10", "Annual")],
		)
