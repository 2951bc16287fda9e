"""Master data (two companies of one group, items with BOMs, inter-company parties; made once and
committed, like ERPNext's test records) and the records around a customer, shared by the tier-2
tests (through tests/fixtures.py) and the benchmarks."""

import frappe

COMPANY = "COE Test Maker"
COMPANY_ABBR = "COETM"
PRODUCER = "COE Test Producer"
PRODUCER_ABBR = "COETP"
CURRENCY = "USD"
# Stock items the maker sells and manufactures, each with a default BOM.
MANUFACTURED_ITEMS = ("COE-CAKE", "COE-BREAD", "COE-PIE", "COE-TART")


def ensure_company(name: str = COMPANY, abbr: str = COMPANY_ABBR) -> str:
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": CURRENCY,
				"country": "United States",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


def warehouse(company: str = COMPANY, label: str = "Stores") -> str:
	abbr = frappe.db.get_value("Company", company, "abbr")
	return f"{label} - {abbr}"


def ensure_item(code: str, manufactured: bool = False) -> str:
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code.replace("-", " ").title(),
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"include_item_in_manufacturing": 1,
				"standard_rate": 10,
				"valuation_rate": 1,
			}
		).insert(ignore_permissions=True)
	if manufactured:
		ensure_bom(code)
	return code


def ensure_bom(item_code: str) -> str:
	bom = frappe.db.get_value("BOM", {"item": item_code, "docstatus": 1, "is_default": 1})
	if bom:
		return bom
	raw = ensure_item("COE-RAW-FLOUR")
	doc = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": COMPANY,
			"quantity": 1,
			"currency": CURRENCY,
			"rm_cost_as_per": "Valuation Rate",
			"items": [{"item_code": raw, "qty": 1, "rate": 1}],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def ensure_internal_parties() -> tuple[str, str]:
	"""The maker buys from the producer company of its group: ERPNext's inter-company parties."""
	supplier = frappe.db.get_value("Supplier", {"is_internal_supplier": 1, "represents_company": PRODUCER})
	if not supplier:
		supplier = (
			frappe.get_doc(
				{
					"doctype": "Supplier",
					"supplier_name": "COE Producer (internal)",
					"supplier_group": "All Supplier Groups",
					"is_internal_supplier": 1,
					"represents_company": PRODUCER,
					"companies": [{"company": COMPANY}],
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	customer = frappe.db.get_value("Customer", {"is_internal_customer": 1, "represents_company": COMPANY})
	if not customer:
		customer = (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": "COE Maker (internal)",
					"customer_group": "All Customer Groups",
					"territory": "All Territories",
					"is_internal_customer": 1,
					"represents_company": COMPANY,
					"companies": [{"company": PRODUCER}],
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	return supplier, customer


def make_master_data():
	"""Companies, inter-company parties, items and BOMs, where missing (not committed)."""
	ensure_company()
	ensure_company(PRODUCER, PRODUCER_ABBR)
	ensure_internal_parties()
	for code in MANUFACTURED_ITEMS:
		ensure_item(code, manufactured=True)


def ensure_master_data():
	"""The master data, committed once (a later rollback keeps it)."""
	make_master_data()
	frappe.db.commit()


def quotation_values(customer: str, day: str, valid_till: str, deal: str | None = None, **kwargs) -> dict:
	"""A Quotation of two COE-CAKE to `customer` (tier 2 inserts it, tier 3 posts it over REST);
	`deal`: CRM's link to the deal (`crm_deal`)."""
	values = {
		"doctype": "Quotation",
		"quotation_to": "Customer",
		"party_name": customer,
		"company": COMPANY,
		"currency": CURRENCY,
		"conversion_rate": 1,
		"selling_price_list": "Standard Selling",
		"price_list_currency": CURRENCY,
		"plc_conversion_rate": 1,
		"transaction_date": day,
		"valid_till": valid_till,
		"items": [{"item_code": "COE-CAKE", "qty": 2, "rate": 7}],
		**kwargs,
	}
	if deal:
		values["crm_deal"] = deal
	return values


def make_customer(customer_name: str, **kwargs) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": customer_name,
			"customer_group": "All Customer Groups",
			"territory": "All Territories",
			**kwargs,
		}
	).insert(ignore_permissions=True)
	return doc.name


def make_contact(first_name: str, email: str | None = None, customer: str | None = None, **kwargs) -> str:
	doc = frappe.get_doc({"doctype": "Contact", "first_name": first_name, **kwargs})
	if email:
		doc.append("email_ids", {"email_id": email, "is_primary": 1})
	if customer:
		doc.append("links", {"link_doctype": "Customer", "link_name": customer})
	doc.insert(ignore_permissions=True)
	return doc.name


def make_lead(first_name: str, **kwargs):
	return frappe.get_doc({"doctype": "CRM Lead", "first_name": first_name, **kwargs}).insert(
		ignore_permissions=True
	)
