"""Real ERPNext / CRM / Helpdesk records for the integration tests.

Master data (companies, items, BOMs) is created once and committed, like ERPNext's own test
records; documents under test (orders, leads, tickets) are created inside each test. What the
benchmarks make too lives in crm_order_extension/testing/records.py and is re-exported here.
"""

import frappe
from frappe.utils import add_days, getdate, nowdate

from crm_order_extension.testing import records
from crm_order_extension.testing.records import (
	COMPANY,
	COMPANY_ABBR,
	CURRENCY,
	PRODUCER,
	PRODUCER_ABBR,
	ensure_bom,
	ensure_company,
	ensure_internal_parties,
	ensure_item,
	make_contact,
	make_customer,
	make_lead,
	quotation_values,
	warehouse,
)


def ensure_master_data():
	"""Companies, items, BOMs and inter-company parties shared by every test; committed once."""
	records.make_master_data()
	ensure_crm_integration_fields()
	frappe.db.commit()


def ensure_crm_integration_fields():
	"""The custom fields CRM's ERPNext integration adds when an admin enables it (Customer.crm_deal
	everywhere; CRM v1.7x+ also CRM Deal.erpnext_customer, CRM Product.erpnext_item_code...), made
	once with the master data: tests switch the integration on in their own transaction, and CRM's
	hooks then write those fields (adding them later would commit a test's data: DDL)."""
	settings = frappe.get_single("ERPNext CRM Settings")
	present = frappe.get_meta("Customer").has_field("crm_deal")
	if hasattr(settings, "create_custom_fields_in_frappe_crm"):  # CRM's own fields too
		present = present and frappe.get_meta("CRM Deal").has_field("erpnext_customer")
	if not present:
		settings.create_custom_fields()
		frappe.clear_cache()


def make_sales_order(
	customer: str,
	lines: list[tuple[str, float, float]],
	company: str = COMPANY,
	transaction_date: str | None = None,
	submit: bool = True,
	**kwargs,
):
	transaction_date = transaction_date or nowdate()
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company,
			"currency": CURRENCY,
			"conversion_rate": 1,
			"selling_price_list": "Standard Selling",
			"price_list_currency": CURRENCY,
			"plc_conversion_rate": 1,
			"transaction_date": transaction_date,
			"delivery_date": add_days(transaction_date, 10),
			"set_warehouse": warehouse(company),
			"items": [
				{
					"item_code": item,
					"qty": qty,
					"rate": rate,
					"delivery_date": add_days(transaction_date, 10),
					"warehouse": warehouse(company),
				}
				for item, qty, rate in lines
			],
			**kwargs,
		}
	)
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc


def make_work_order(sales_order, item_code: str, submit: bool = False, qty: float = 1, **stages):
	line = next(i for i in sales_order.items if i.item_code == item_code)
	doc = frappe.get_doc(
		{
			"doctype": "Work Order",
			"production_item": item_code,
			"bom_no": ensure_bom(item_code),
			"qty": qty,
			"company": sales_order.company,
			"sales_order": sales_order.name,
			"sales_order_item": line.name,
			"wip_warehouse": warehouse(sales_order.company, "Work In Progress"),
			"fg_warehouse": warehouse(sales_order.company, "Finished Goods"),
			"planned_start_date": f"{getdate(sales_order.transaction_date)} 08:00:00",
			**stages,
		}
	)
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc


def make_deal(**kwargs):
	# CRM fetches an exchange rate online unless the deal is in CRM's own currency.
	currency = frappe.db.get_single_value("FCRM Settings", "currency") or "USD"
	return frappe.get_doc({"doctype": "CRM Deal", "currency": currency, **kwargs}).insert(
		ignore_permissions=True
	)


def make_ticket(raised_by: str, contact: str | None = None, **kwargs):
	doc = frappe.get_doc(
		{
			"doctype": "HD Ticket",
			"subject": kwargs.pop("subject", "Where is my order?"),
			"description": "Please check my orders",
			"raised_by": raised_by,
			**kwargs,
		}
	)
	doc.insert(ignore_permissions=True)
	if contact and doc.contact != contact:
		doc.db_set("contact", contact, update_modified=False)
	return doc


def ensure_outgoing_email_account() -> None:
	"""frappe.sendmail needs a default outgoing account (tests never connect to it)."""
	if not frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "COE Outgoing",
				"email_id": "coe-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
	# Frappe caches the outgoing account per process (frappe.local): a mail sent by an earlier test
	# while no account existed cached a placeholder without an address, which every later mail of the
	# run would use ("formataddr" on None). Frappe's own email tests reset it the same way.
	frappe.local.outgoing_email_account = {}


SERVICE_ITEM = "COE-FORMATION-SERVICE"


def ensure_service_item(code: str = SERVICE_ITEM) -> str:
	"""A non-stock item, as formation and compliance services are sold."""
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": "Company Formation",
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
				"standard_rate": 299,
			}
		).insert(ignore_permissions=True)
	return code


def make_service_order(
	customer: str, order_type: str = "formation", referral_code: str | None = None, **kwargs
):
	return make_sales_order(
		customer,
		[(ensure_service_item(), 1, kwargs.pop("rate", 299))],
		custom_order_type=order_type,
		custom_referral_code=referral_code,
		**kwargs,
	)


def invoice_order(sales_order) -> "frappe.model.document.Document":
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	invoice = make_sales_invoice(sales_order.name)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
	return invoice


def pay_invoice(invoice, amount: float | None = None):
	"""A submitted Payment Entry settling `invoice` (in part when `amount` is given)."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	payment = get_payment_entry("Sales Invoice", invoice.name)
	payment.reference_no = frappe.generate_hash(length=8)
	payment.reference_date = nowdate()
	if amount is not None:
		payment.paid_amount = payment.received_amount = amount
		payment.references[0].allocated_amount = amount
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment


def make_agent(agent_name: str, user: str | None = None, tier: str = "Standard", **kwargs):
	"""A Sales Agent; one linked to a (committed, shared) user is reused across runs."""
	if user and (existing := frappe.db.get_value("Sales Agent", {"user": user})):
		return frappe.get_doc("Sales Agent", existing)
	return frappe.get_doc(
		{
			"doctype": "Sales Agent",
			"agent_name": agent_name,
			"user": user,
			"commission_tier": tier,
			**kwargs,
		}
	).insert(ignore_permissions=True)
