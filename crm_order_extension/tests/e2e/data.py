"""Business records made over REST, as the run's admin user would in Desk or an import would."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.e2e import context
from crm_order_extension.tests.e2e.harness import RUN_DOMAIN

_site_zone: list = []
HELPDESK_NEW_TICKET = "helpdesk.helpdesk.doctype.hd_ticket.api.new"


def helpdesk_ticket(api, raised_by: str, subject: str, description: str) -> str:
	"""A ticket as /helpdesk's new-ticket page posts it (Helpdesk's own endpoint), removed after the
	run; its name as text."""
	doc = {"subject": subject, "description": description, "raised_by": raised_by}
	ticket = str(api.call_json(HELPDESK_NEW_TICKET, doc=doc)["name"])
	context.registry().append(("HD Ticket", ticket))
	return ticket


def today() -> date:
	"""The site's date (its time zone), the one ERPNext posts on; this machine's may be a day off
	around midnight. The zone is read once through the harness's connection: tests also call this
	from threads of their own (two imports at once), where Frappe's locals are not bound."""
	if not _site_zone:
		from frappe.utils import get_system_timezone

		_site_zone.append(ZoneInfo(get_system_timezone()))
	return datetime.now(_site_zone[0]).date()


def cover_fiscal_years(*days_on: int) -> list[str]:
	"""Fiscal Years for today (and that many days on) where the site has none, so the run posts on
	any date. Registered with the run's records before the documents posted in them: the cleanup
	removes them after those (and cancels the customers' documents first)."""
	from crm_order_extension.tests.fiscal_years import ensure_fiscal_years

	harness = context.harness()
	harness.refresh()
	made = ensure_fiscal_years(today(), *(today() + timedelta(days=d) for d in days_on))
	harness.commit()
	context.registry().extend(("Fiscal Year", name) for name in made)
	return made


def unique(label: str) -> str:
	import os

	return f"{label} {context.run_id()}-{os.urandom(2).hex()}"


def email(label: str) -> str:
	import os

	return f"{label}-{context.run_id()}-{os.urandom(2).hex()}@{RUN_DOMAIN}"


def customer(api, name: str | None = None) -> str:
	return api.insert(
		{
			"doctype": "Customer",
			"customer_name": name or unique("E2E Customer"),
			"customer_group": "All Customer Groups",
			"territory": "All Territories",
		}
	)["name"]


def contact(api, address: str, customer_name: str) -> str:
	return api.insert(
		{
			"doctype": "Contact",
			"first_name": "E2E Buyer",
			"email_ids": [{"email_id": address, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer_name}],
		}
	)["name"]


def sales_order(api, customer_name: str, lines, submit: bool = True, **fields) -> dict:
	ordered = today()
	delivery = str(ordered + timedelta(days=10))
	store = f"Stores - {fx.COMPANY_ABBR}"
	doc = api.insert(
		{
			"doctype": "Sales Order",
			"customer": customer_name,
			"company": fx.COMPANY,
			"currency": fx.CURRENCY,
			"conversion_rate": 1,
			"selling_price_list": "Standard Selling",
			"transaction_date": str(ordered),
			"delivery_date": delivery,
			"set_warehouse": store,
			"items": [
				{"item_code": item, "qty": qty, "rate": rate, "delivery_date": delivery, "warehouse": store}
				for item, qty, rate in lines
			],
			**fields,
		}
	)
	return api.submit("Sales Order", doc["name"]) if submit else doc


def work_order(api, so: dict, item_code: str, qty: float = 1) -> dict:
	line = next(i for i in so["items"] if i["item_code"] == item_code)
	bom = api.get_list("BOM", filters={"item": item_code, "is_default": 1, "docstatus": 1})[0]["name"]
	doc = api.insert(
		{
			"doctype": "Work Order",
			"production_item": item_code,
			"bom_no": bom,
			"qty": qty,
			"company": so["company"],
			"sales_order": so["name"],
			"sales_order_item": line["name"],
			"wip_warehouse": f"Work In Progress - {fx.COMPANY_ABBR}",
			"fg_warehouse": f"Finished Goods - {fx.COMPANY_ABBR}",
			"planned_start_date": f"{so['transaction_date']} 08:00:00",
		}
	)
	return api.submit("Work Order", doc["name"])


SO_API = "erpnext.selling.doctype.sales_order.sales_order."
PAYMENT_API = "erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry"


def invoice(api, so: dict, only_line: int | None = None) -> dict:
	"""A submitted Sales Invoice of the order (of one of its lines), as Desk's "Create" makes it."""
	doc = api.call(SO_API + "make_sales_invoice", source_name=so["name"])
	if only_line is not None:
		line = so["items"][only_line]["name"]
		doc["items"] = [item for item in doc["items"] if item.get("so_detail") == line]
	doc["due_date"] = str(today())
	return api.submit("Sales Invoice", api.insert(doc)["name"])


def payment(api, invoice_doc: dict) -> dict:
	"""A draft Payment Entry settling the invoice."""
	doc = api.call(PAYMENT_API, dt="Sales Invoice", dn=invoice_doc["name"])
	doc["reference_no"] = f"E2E-{invoice_doc['name']}"
	doc["reference_date"] = str(today())
	return api.insert(doc)


def pay(api, so: dict) -> dict:
	"""Invoice the order and settle it: the order is paid when the Payment Entry commits."""
	return api.submit("Payment Entry", payment(api, invoice(api, so))["name"])
