import json
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_order_extension.api import orders as api
from crm_order_extension.api.crm import CRM_GET_LEAD, crm_loader
from crm_order_extension.exceptions import InvalidArgumentError
from crm_order_extension.orders import permissions
from crm_order_extension.orders.history import sync_record
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_records, delete_users
from crm_order_extension.tests.crm_access import assign
from crm_order_extension.tests.http_client import api_user, request
from crm_order_extension.tests.test_order_history import OrderHistoryTestCase

METHOD = "/api/method/crm_order_extension.api.orders."
NOT_PERMITTED = "You are not permitted to see order histories"


def error_messages(response) -> list[str]:
	"""The messages of an error response: msgprints and Frappe's own permission message."""
	messages = response.messages()
	if response.json().get("_error_message"):
		messages.append(response.json()["_error_message"])
	return messages


class APITestCase(OrderHistoryTestCase):
	"""Records and users committed for HTTP requests; tearDownClass removes them again."""

	USERS: tuple[str, ...] = ()

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.records = []

	@classmethod
	def keep(cls, doctype: str, name: str) -> str:
		cls.records.append((doctype, name))
		return name

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_records(cls.records)
		delete_users(cls.USERS)
		frappe.db.commit()
		super().tearDownClass()


class TestOrderHistoryAPI(APITestCase):
	USERS = ("coe-outsider@example.com", "coe-sales-manager@example.com")

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		customer = cls.keep("Customer", fx.make_customer(f"API Baker {frappe.generate_hash(length=6)}"))
		email = f"{frappe.generate_hash(length=8)}@example.com"
		contact = cls.keep("Contact", fx.make_contact("Api", email, customer))
		cls.keep("Sales Order", fx.make_sales_order(customer, [("COE-CAKE", 1, 5)]).name)
		cls.lead = cls.keep("CRM Lead", fx.make_lead("Api", email=email).name)
		cls.deal = cls.keep("CRM Deal", fx.make_deal(contacts=[{"contact": contact, "is_primary": 1}]).name)
		cls.ticket = cls.keep("HD Ticket", str(fx.make_ticket(email, contact=contact).name))
		cls.contact = contact
		# A user with no CRM or Helpdesk role. CRM lets every user read leads ("All" role), so a
		# User Permission narrows this one to another lead: the permission check must honour it.
		cls.outsider = api_user("coe-outsider@example.com", ["Blogger"])
		elsewhere = cls.keep("CRM Lead", fx.make_lead("Elsewhere").name)
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": "coe-outsider@example.com",
				"allow": "CRM Lead",
				"for_value": elsewhere,
			}
		).insert(ignore_permissions=True)
		cls.manager = api_user("coe-sales-manager@example.com", ["Sales Manager", "Agent"])
		frappe.db.commit()

	def test_guest_gets_403_and_nothing_else(self):
		for path, data in (
			("fetch_orders", {"lead_name": self.lead}),
			("fetch_deal_orders", {"deal_name": self.deal}),
			("hd_ticket_fetch_orders", {"contact": self.contact, "ticket_name": self.ticket}),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead}),
		):
			response = request("POST", METHOD + path, data)
			self.assertEqual(response.status, 403, path)
			self.assertNotIn("message", response.json(), path)
			self.assertNotIn("Traceback", response.body, path)

	def test_user_without_read_permission_gets_403(self):
		for path, data in (
			("fetch_orders", {"lead_name": self.lead}),
			("fetch_deal_orders", {"deal_name": self.deal}),
			("hd_ticket_fetch_orders", {"contact": self.contact, "ticket_name": self.ticket}),
			("get_order_history", {"doctype": "HD Ticket", "name": self.ticket}),
		):
			response = request("POST", METHOD + path, data, auth=self.outsider)
			self.assertEqual(response.status, 403, path)
			self.assertNotIn("message", response.json(), path)
			self.assertNotIn("Traceback", response.body)

	def test_permitted_user_syncs_over_http(self):
		response = request("POST", METHOD + "fetch_orders", {"lead_name": self.lead}, auth=self.manager)
		self.assertEqual(response.status, 200, response.body)
		self.assertEqual(response.json()["message"]["message"], "Synced 1 order")
		response = request(
			"GET", METHOD + "get_order_history?doctype=CRM%20Lead&name=" + self.lead, auth=self.manager
		)
		self.assertEqual(response.status, 200, response.body)
		self.assertEqual(response.json()["message"]["total"], 1)

	def test_bad_input_gets_4xx_with_a_message(self):
		cases = [
			("fetch_orders", {}, 400),
			("fetch_orders", {"lead_name": "  "}, 400),
			("fetch_orders", {"lead_name": "CRM-LEAD-NOPE-0000"}, 404),
			("fetch_orders", {"lead_name": "x" * 1_000_000}, 400),
			("fetch_deal_orders", {}, 400),
			("hd_ticket_fetch_orders", {"ticket_name": self.ticket, "contact": "Nobody-0000"}, 400),
			("hd_ticket_fetch_orders", {"contact": self.contact}, 400),
			("get_order_history", {"doctype": "ToDo", "name": "x"}, 400),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead, "page_length": 0}, 400),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead, "start": "abc"}, 400),
			("get_order_history", {"doctype": "CRM Lead", "name": self.lead, "start": "-1"}, 400),
			("enqueue_sync_all", {"restart": "maybe"}, 400),
		]
		for path, data, status in cases:
			response = request("POST", METHOD + path, data, auth=self.manager)
			self.assertEqual(response.status, status, (path, data, response.body[:300]))
			self.assertTrue(response.messages(), (path, data))
			self.assertNotIn("Traceback", response.body, (path, data))
			self.assertNotIn("exc", response.json(), (path, data))

	def test_query_string_number_is_checked_not_traced(self):
		response = request(
			"GET",
			METHOD + f"get_order_history?doctype=CRM%20Lead&name={self.lead}&start=abc",
			auth=self.manager,
		)
		self.assertEqual(response.status, 400, response.body)
		self.assertEqual(response.messages(), ["start must be a whole number"])
		self.assertNotIn("exc", response.json())

	def test_bad_input_in_process(self):
		with self.assertRaises(InvalidArgumentError):
			api.fetch_orders(None)
		with self.assertRaises(frappe.DoesNotExistError):
			api.fetch_deal_orders("no-such-deal")
		with self.assertRaises(InvalidArgumentError):
			api.get_order_history("CRM Lead", self.lead, start=-1)
		with self.assertRaises(InvalidArgumentError):
			api.get_order_history("CRM Lead", ["a list"])


class TestOrderHistoryPermissions(APITestCase):
	"""Who sees a customer's orders (README, Configuration, Permissions): over HTTP, with a user who
	can read the records but has no allowed role and no Sales Order access ("CRM-only"), a
	Helpdesk agent and a Sales User."""

	CRM_ONLY = "coe-crm-only@example.com"
	AGENT = "coe-hd-agent@example.com"
	SALES = "coe-sales-user@example.com"
	RESTRICTED = "coe-restricted-sales@example.com"
	USERS = (CRM_ONLY, AGENT, SALES, RESTRICTED)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.customer = cls.keep("Customer", fx.make_customer(f"Perm Baker {frappe.generate_hash(length=6)}"))
		email = f"{frappe.generate_hash(length=8)}@example.com"
		cls.contact = cls.keep("Contact", fx.make_contact("Perm", email, cls.customer))
		cls.keep("Sales Order", fx.make_sales_order(cls.customer, [("COE-CAKE", 2, 5)]).name)
		cls.lead = cls.keep("CRM Lead", fx.make_lead("Perm", email=email).name)
		cls.deal = cls.keep(
			"CRM Deal", fx.make_deal(contacts=[{"contact": cls.contact, "is_primary": 1}]).name
		)
		cls.ticket = cls.keep("HD Ticket", str(fx.make_ticket(email, contact=cls.contact).name))
		# Not synced yet (made while auto-sync is off): a fetch has to resolve its customer first.
		frappe.db.set_single_value("CRM Order Extension Settings", "auto_sync", 0)
		cls.unsynced_lead = cls.keep("CRM Lead", fx.make_lead("Perm", email=email).name)
		frappe.db.set_single_value("CRM Order Extension Settings", "auto_sync", 1)
		cls.other_customer = cls.keep("Customer", fx.make_customer(f"Other {frappe.generate_hash(length=6)}"))
		for doctype, name in (("CRM Lead", cls.lead), ("CRM Deal", cls.deal), ("HD Ticket", cls.ticket)):
			sync_record(doctype, name)

		# CRM-only: reads the lead and the deal assigned to it and its own ticket (Helpdesk lets a
		# ticket's owner read it); no allowed role, no Sales Order access. Users get leads and deals
		# the way CRM gives them on every release (tests/crm_access.py): CRM v1.81 shows a user only
		# the ones it owns or is assigned, v1.52 showed every lead to everyone.
		cls.crm_only = api_user(cls.CRM_ONLY, ["Blogger"])
		assign("CRM Deal", cls.deal, cls.CRM_ONLY)
		assign("CRM Lead", cls.lead, cls.CRM_ONLY)
		cls.own_ticket = cls.keep("HD Ticket", str(fx.make_ticket(email, contact=cls.contact).name))
		frappe.db.set_value("HD Ticket", cls.own_ticket, "owner", cls.CRM_ONLY, update_modified=False)
		sync_record("HD Ticket", cls.own_ticket)
		cls.agent = api_user(cls.AGENT, ["Agent"])
		cls.sales = api_user(cls.SALES, ["Sales User"])
		# A Sales User whose User Permissions allow another customer only (for Sales Orders).
		cls.restricted = api_user(cls.RESTRICTED, ["Sales User"])
		for user, records in (
			(cls.SALES, (("CRM Lead", cls.lead), ("CRM Deal", cls.deal))),
			(cls.RESTRICTED, (("CRM Lead", cls.lead), ("CRM Lead", cls.unsynced_lead))),
			# a Helpdesk agent on a lead (reads its history through the endpoints)
			(cls.AGENT, (("CRM Lead", cls.lead),)),
		):
			for doctype, name in records:
				assign(doctype, name, user)
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": cls.RESTRICTED,
				"allow": "Customer",
				"for_value": cls.other_customer,
				"apply_to_all_doctypes": 0,
				"applicable_for": "Sales Order",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	def history_endpoints(self, ticket: str):
		return (
			("POST", "fetch_orders", {"lead_name": self.lead}),
			("POST", "fetch_deal_orders", {"deal_name": self.deal}),
			("POST", "hd_ticket_fetch_orders", {"contact": self.contact, "ticket_name": ticket}),
			("GET", "get_order_history", {"doctype": "CRM Lead", "name": self.lead}),
			("GET", "get_order_history", {"doctype": "CRM Deal", "name": self.deal}),
			("GET", "get_order_history", {"doctype": "HD Ticket", "name": ticket}),
			("GET", "get_order_history_html", {"doctype": "CRM Lead", "name": self.lead}),
		)

	def call(self, http_method: str, path: str, data: dict, auth):
		if http_method == "GET":
			query = "&".join(f"{k}={quote(str(v))}" for k, v in data.items())
			return request("GET", f"{METHOD}{path}?{query}", auth=auth)
		return request("POST", METHOD + path, data, auth=auth)

	def resource(self, doctype: str, name: str, auth) -> dict:
		response = request("GET", f"/api/resource/{quote(doctype)}/{quote(name)}", auth=auth)
		self.assertEqual(response.status, 200, response.body[:300])
		return response.json()["data"]

	def test_the_crm_only_user_reads_the_records(self):
		# The premise: record access alone must not open the orders.
		for doctype, name in (
			("CRM Lead", self.lead),
			("CRM Deal", self.deal),
			("HD Ticket", self.own_ticket),
		):
			self.resource(doctype, name, self.crm_only)

	def test_crm_only_user_gets_403_with_a_message_on_every_history_endpoint(self):
		for http_method, path, data in self.history_endpoints(self.own_ticket):
			response = self.call(http_method, path, data, self.crm_only)
			self.assertEqual(response.status, 403, (path, data, response.body[:300]))
			self.assertTrue(any(NOT_PERMITTED in m for m in response.messages()), (path, response.body))
			self.assertNotIn("message", response.json(), path)
			self.assertNotIn("exc", response.json(), path)

	def test_bulk_sync_needs_history_access(self):
		# Helpdesk lets "All" write tickets; the history check still refuses (before queueing).
		response = request("POST", METHOD + "enqueue_sync_all", {"doctype": "HD Ticket"}, auth=self.crm_only)
		self.assertEqual(response.status, 403, response.body[:300])
		self.assertTrue(any(NOT_PERMITTED in m for m in error_messages(response)), response.body[:300])

	def test_stored_rows_are_hidden_from_the_crm_only_user_everywhere(self):
		for doctype, name in (
			("CRM Lead", self.lead),
			("CRM Deal", self.deal),
			("HD Ticket", self.own_ticket),
		):
			doc = self.resource(doctype, name, self.crm_only)
			self.assertFalse(doc.get("custom_order_history"), doctype)
			self.assertNotIn("custom_order_customer", doc, doctype)
			self.assertNotIn("custom_order_sync_message", doc, doctype)
			# Desk's form loader
			response = request(
				"GET",
				f"/api/method/frappe.desk.form.load.getdoc?doctype={quote(doctype)}&name={quote(name)}",
				auth=self.crm_only,
			)
			self.assertEqual(response.status, 200, response.body[:300])
			self.assertFalse(response.json()["docs"][0].get("custom_order_history"), doctype)
		# The CRM UI's page loaders (CRM releases that have their own; newer ones use frappe.client.get)
		for method, name in (("crm_lead.api.get_lead", self.lead), ("crm_deal.api.get_deal", self.deal)):
			response = request(
				"GET", f"/api/method/crm.fcrm.doctype.{method}?name={quote(name)}", auth=self.crm_only
			)
			if not crm_loader(f"crm.fcrm.doctype.{method}"):
				self.assertEqual(response.status, 404, response.body[:300])
				continue
			self.assertEqual(response.status, 200, response.body[:300])
			self.assertFalse(response.json()["message"].get("custom_order_history"), method)
			self.assertNotIn("custom_order_customer", response.json()["message"], method)
		# Lists and the child table itself
		response = request(
			"GET",
			"/api/resource/CRM%20Lead?fields="
			+ quote(json.dumps(["name", "custom_order_customer", "custom_order_sync_message"]))
			+ "&filters="
			+ quote(json.dumps([["name", "=", self.lead]])),
			auth=self.crm_only,
		)
		self.assertEqual(response.status, 200, response.body[:300])
		for row in response.json()["data"]:
			self.assertNotIn("custom_order_customer", row)
		response = request(
			"GET",
			"/api/resource/CRM%20Lead%20Order%20Item?parent=CRM%20Lead&fields="
			+ quote(json.dumps(["*"]))
			+ "&filters="
			+ quote(json.dumps([["parent", "=", self.lead]])),
			auth=self.crm_only,
		)
		self.assertLess(response.status, 500, response.body[:300])
		for row in response.json().get("data") or []:
			self.assertNotIn("item_code", row)
			self.assertNotIn("sales_order", row)

	def test_permitted_users_see_the_rows(self):
		cases = (
			(self.sales, "CRM Lead", self.lead),
			(self.sales, "CRM Deal", self.deal),
			(self.agent, "HD Ticket", self.ticket),
		)
		for auth, doctype, name in cases:
			doc = self.resource(doctype, name, auth)
			self.assertEqual(doc["custom_order_customer"], self.customer)
			# the rows are server-owned: read through the endpoint, never part of the document
			self.assertNotIn("custom_order_history", doc)
			response = self.call("GET", "get_order_history", {"doctype": doctype, "name": name}, auth)
			self.assertEqual(response.status, 200, (auth[0], response.body[:300]))
			self.assertEqual(response.json()["message"]["total"], 1, (auth[0], doctype))
		if crm_loader(CRM_GET_LEAD):
			response = request(
				"GET", f"/api/method/crm.fcrm.doctype.crm_lead.api.get_lead?name={self.lead}", auth=self.sales
			)
			self.assertEqual(response.status, 200, response.body[:300])
			self.assertEqual(response.json()["message"]["custom_order_customer"], self.customer)

	def test_permitted_users_use_the_endpoints(self):
		for auth in (self.sales, self.agent):
			response = self.call("GET", "get_order_history", {"doctype": "CRM Lead", "name": self.lead}, auth)
			self.assertEqual(response.status, 200, (auth[0], response.body[:300]))
			self.assertEqual(response.json()["message"]["total"], 1)
		response = self.call("POST", "fetch_orders", {"lead_name": self.lead}, self.sales)
		self.assertEqual(response.status, 200, response.body[:300])
		response = self.call(
			"POST",
			"hd_ticket_fetch_orders",
			{"contact": self.contact, "ticket_name": self.ticket},
			self.agent,
		)
		self.assertEqual(response.status, 200, response.body[:300])
		self.assertEqual(response.json()["message"]["customer"], self.customer)
		response = self.call(
			"GET", "get_order_history_html", {"doctype": "HD Ticket", "name": self.ticket}, self.agent
		)
		self.assertEqual(response.status, 200, response.body[:300])
		self.assertIn("Coe Cake", response.json()["message"]["html"])

	def test_user_permissions_on_customer_limit_the_histories(self):
		response = self.call("POST", "fetch_orders", {"lead_name": self.unsynced_lead}, self.restricted)
		self.assertEqual(response.status, 403, response.body[:300])
		self.assertIn("orders of this record's customer", " ".join(response.messages()))
		# The stored history of that customer stays closed too; the lead itself is readable (the
		# User Permission applies to Sales Orders only).
		self.resource("CRM Lead", self.lead, self.restricted)
		response = self.call(
			"GET", "get_order_history", {"doctype": "CRM Lead", "name": self.lead}, self.restricted
		)
		self.assertEqual(response.status, 403, response.body[:300])
		self.assertIn("orders of this record's customer", " ".join(response.messages()))
		self.assertEqual(frappe.db.get_value("CRM Lead", self.unsynced_lead, "custom_order_customer"), None)

	def test_setting_the_erpnext_customer_needs_read_access_to_it(self):
		response = request(
			"PUT",
			f"/api/resource/HD%20Ticket/{self.own_ticket}",
			{"data": json.dumps({"custom_erpnext_customer": self.other_customer})},
			auth=self.crm_only,
		)
		self.assertEqual(response.status, 403, response.body[:300])
		self.assertIn("you cannot read that Customer", " ".join(response.messages()))
		self.assertIsNone(frappe.db.get_value("HD Ticket", self.own_ticket, "custom_erpnext_customer"))

	def test_setting_the_erpnext_customer_in_process(self):
		lead = frappe.new_doc("CRM Lead", first_name="Explicit", custom_erpnext_customer=self.customer)
		frappe.set_user(self.CRM_ONLY)
		try:
			with self.assertRaises(frappe.PermissionError):
				permissions.validate_explicit_customer(lead)
			# Server code that skips permissions is trusted.
			lead.flags.ignore_permissions = True
			permissions.validate_explicit_customer(lead)
			frappe.set_user(self.SALES)
			lead.flags.ignore_permissions = False
			permissions.validate_explicit_customer(lead)  # Sales Users read customers
		finally:
			frappe.set_user("Administrator")


class TestOrderHistoryRoles(FrappeTestCase):
	"""The settings' role list drives the field-level access. Nothing is committed; the test puts
	the list back itself, because permission caches outlive its transaction."""

	ROLE = "Agent Manager"  # Helpdesk's: has its own rule on HD Ticket, none on CRM Lead

	def rules(self, doctype: str) -> set:
		return set(
			frappe.get_all(
				"Custom DocPerm",
				filters={"parent": doctype, "role": self.ROLE, "permlevel": permissions.HISTORY_PERMLEVEL},
				pluck="name",
			)
		)

	def test_defaults_are_seeded(self):
		roles = permissions.history_roles()
		for role in ("Sales User", "Sales Manager", "Agent", "System Manager"):
			self.assertIn(role, roles)
		self.assertTrue(frappe.get_meta("CRM Lead").get_field("custom_order_summary").permlevel)
		for doctype, role in (
			("CRM Lead", "Sales User"),
			("CRM Deal", "Sales Manager"),
			("HD Ticket", "Agent"),
		):
			self.assertTrue(
				frappe.db.exists(
					"Custom DocPerm",
					{"parent": doctype, "role": role, "permlevel": permissions.HISTORY_PERMLEVEL, "read": 1},
				),
				(doctype, role),
			)

	def test_editing_the_list_grants_and_revokes_field_access(self):
		settings = frappe.get_single(permissions.SETTINGS)
		self.assertNotIn(self.ROLE, permissions.history_roles())
		try:
			settings.append(permissions.ROLES_FIELD, {"role": self.ROLE})
			settings.save()
			self.assertTrue(self.rules("HD Ticket"))
			self.assertFalse(self.rules("CRM Lead"))  # no level-0 rule there: left alone
		finally:
			settings.reload()
			settings.set(
				permissions.ROLES_FIELD,
				[r for r in settings.get(permissions.ROLES_FIELD) if r.role != self.ROLE],
			)
			settings.save()
		self.assertFalse(self.rules("HD Ticket"))
