"""When a history is filled without anyone pressing Fetch, and what a sync never does to a record.

Tier 2 runs the background jobs inline (crm_order_extension.jobs.running_inline); tier 3's
journeys (tests/e2e/e2e_journeys.py) watch the same on the real worker.
"""

import frappe
from frappe.exceptions import TimestampMismatchError

from crm_order_extension.api import orders as api
from crm_order_extension.orders import sync
from crm_order_extension.orders.history import sync_record
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.test_order_history import (
	OrderHistoryTestCase,
	history,
	ticket_name_as_the_agent_ui_sends,
	unique,
)


class TestHistoryWithoutFetch(OrderHistoryTestCase):
	def test_a_returning_customers_new_ticket_shows_their_orders(self):
		customer, contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-CAKE", 2, 5)])

		ticket = fx.make_ticket(email, contact=contact)

		self.assertEqual({r.sales_order for r in history("HD Ticket", ticket.name)}, {order.name})
		stored = frappe.db.get_value(
			"HD Ticket", ticket.name, ["custom_order_customer", "custom_open_orders"]
		)
		self.assertEqual(stored, (customer, 1))

	def test_a_ticket_raised_by_email_only_resolves_by_that_email(self):
		customer, _contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])

		ticket = fx.make_ticket(email)

		self.assertEqual({r.sales_order for r in history("HD Ticket", ticket.name)}, {order.name})
		# Fetch on such a ticket needs no contact either
		result = api.hd_ticket_fetch_orders(None, ticket.name)
		self.assertTrue(result["success"], result)
		self.assertEqual(result["message"], "Synced 1 order")

	def test_a_new_lead_with_a_customers_email_shows_their_orders(self):
		customer, _contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-BREAD", 3, 4)])

		lead = fx.make_lead("Pat", email=email)

		self.assertEqual({r.sales_order for r in history("CRM Lead", lead.name)}, {order.name})

	def test_editing_what_identifies_the_customer_resyncs(self):
		customer, _contact, email = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		lead = fx.make_lead("Nobody", email=f"{frappe.generate_hash(length=8)}@example.com")
		self.assertEqual(history("CRM Lead", lead.name), [])

		lead.reload()
		lead.email = email
		lead.save(ignore_permissions=True)

		self.assertEqual({r.sales_order for r in history("CRM Lead", lead.name)}, {order.name})

	def test_a_contact_gaining_the_email_resyncs_its_records(self):
		email = f"{frappe.generate_hash(length=8)}@example.com"
		lead = fx.make_lead("Robin", email=email)
		ticket = fx.make_ticket(email)
		self.assertEqual(history("CRM Lead", lead.name), [])
		customer, contact, _other = self.customer_with_contact()
		order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])

		doc = frappe.get_doc("Contact", contact)
		doc.append("email_ids", {"email_id": email})
		doc.save(ignore_permissions=True)

		self.assertEqual({r.sales_order for r in history("CRM Lead", lead.name)}, {order.name})
		self.assertEqual({r.sales_order for r in history("HD Ticket", ticket.name)}, {order.name})

	def test_a_contact_linked_to_a_customer_later_resyncs(self):
		customer = fx.make_customer(unique("Baker"))
		self.customers.append(customer)
		order = fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		email = f"{frappe.generate_hash(length=8)}@example.com"
		contact = fx.make_contact("Sam", email)
		ticket = fx.make_ticket(email, contact=contact)
		self.assertEqual(history("HD Ticket", ticket.name), [])

		doc = frappe.get_doc("Contact", contact)
		doc.append("links", {"link_doctype": "Customer", "link_name": customer})
		doc.save(ignore_permissions=True)

		self.assertEqual({r.sales_order for r in history("HD Ticket", ticket.name)}, {order.name})

	def test_unrelated_edits_do_not_resync(self):
		lead = fx.make_lead("Quiet", email=f"{frappe.generate_hash(length=8)}@example.com")
		synced_on = frappe.db.get_value("CRM Lead", lead.name, "custom_orders_synced_on")
		self.assertTrue(synced_on)
		lead.reload()
		before = lead.get_doc_before_save() or frappe.get_doc("CRM Lead", lead.name)
		lead.job_title = "Head baker"
		self.assertFalse(sync.identity_changed(lead, before))
		lead.email = "someone.else@example.com"
		self.assertTrue(sync.identity_changed(lead, before))

	def test_auto_sync_off_leaves_new_records_alone(self):
		frappe.db.set_single_value("CRM Order Extension Settings", "auto_sync", 0)
		customer, _contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		lead = fx.make_lead("Pat", email=email)
		self.assertIsNone(frappe.db.get_value("CRM Lead", lead.name, "custom_orders_synced_on"))


class TestSyncIsNotAnEdit(OrderHistoryTestCase):
	def test_a_background_sync_keeps_modified_and_modified_by(self):
		customer, _contact, email = self.customer_with_contact()
		lead = fx.make_lead("Pat", email=email)
		before = frappe.db.get_value("CRM Lead", lead.name, ["modified", "modified_by"])

		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])  # submit -> customer sync (inline)

		self.assertEqual(len(history("CRM Lead", lead.name)), 1)
		self.assertEqual(frappe.db.get_value("CRM Lead", lead.name, ["modified", "modified_by"]), before)

	def test_a_form_opened_before_a_sync_saves_without_undoing_it(self):
		customer, _contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		lead = fx.make_lead("Pat", email=email)
		stale = frappe.get_doc("CRM Lead", lead.name)  # the open form
		fx.make_sales_order(customer, [("COE-BREAD", 2, 4)])
		synced = frappe.db.get_value(
			"CRM Lead", lead.name, ["custom_open_orders", "custom_order_summary"], as_dict=True
		)
		self.assertEqual(synced.custom_open_orders, 2)

		stale.job_title = "Owner"
		stale.save(ignore_permissions=True)  # no TimestampMismatchError: the sync was not an edit

		self.assertEqual(len(history("CRM Lead", lead.name)), 2)
		after = frappe.db.get_value(
			"CRM Lead", lead.name, ["custom_open_orders", "custom_order_summary", "job_title"], as_dict=True
		)
		self.assertEqual(
			(after.custom_open_orders, after.custom_order_summary, after.job_title),
			(2, synced.custom_order_summary, "Owner"),
		)

	def test_a_users_stale_edit_is_still_refused(self):
		lead = fx.make_lead("Pat", email=f"{frappe.generate_hash(length=8)}@example.com")
		first = frappe.get_doc("CRM Lead", lead.name)
		second = frappe.get_doc("CRM Lead", lead.name)
		first.job_title = "One"
		first.save(ignore_permissions=True)
		second.job_title = "Two"
		with self.assertRaises(TimestampMismatchError):
			second.save(ignore_permissions=True)

	def test_the_rows_are_no_part_of_the_document(self):
		customer, _contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		ticket = fx.make_ticket(email)
		self.assertEqual(len(history("HD Ticket", ticket.name)), 1)
		doc = frappe.get_doc("HD Ticket", ticket.name)
		self.assertNotIn("custom_order_history", doc.as_dict())
		doc.save(ignore_permissions=True)
		self.assertEqual(len(history("HD Ticket", ticket.name)), 1)
		frappe.delete_doc("HD Ticket", ticket.name, ignore_permissions=True, force=True)
		self.assertFalse(frappe.db.exists("HD Ticket Order Item", {"parent": str(ticket.name)}))

	def test_a_resync_by_the_name_a_job_carries_finds_the_ticket(self):
		customer, _contact, email = self.customer_with_contact()
		fx.make_sales_order(customer, [("COE-CAKE", 1, 5)])
		ticket = fx.make_ticket(email)
		frappe.db.delete("HD Ticket Order Item", {"parent": str(ticket.name)})
		frappe.db.set_value("HD Ticket", ticket.name, "custom_order_history_hash", None)
		result = sync_record("HD Ticket", ticket_name_as_the_agent_ui_sends(ticket.name))
		self.assertTrue(result["changed"])
		self.assertEqual(len(history("HD Ticket", str(ticket.name))), 1)
