"""Fiscal Years for the dates a test posts on, so no test depends on the calendar.

ERPNext posts a Sales Invoice, Payment Entry or credit note only on a date inside an active Fiscal
Year; a site set up in one year has that year's only. Tests that post (today, or a month on under
freeze_time) make the years they need next to the site's own (same start day, one year each,
limited to the test companies) and remove them again. ERPNext caches the Fiscal Years in Redis
(`fiscal_years`), shared with the web and worker processes: every change clears it.
"""

from datetime import date

import frappe
from frappe.utils import add_days, add_years, getdate

from crm_order_extension.tests.fixtures import COMPANY, PRODUCER

DOCTYPE = "Fiscal Year"
COMPANIES = (COMPANY, PRODUCER)


def _usable_years() -> list[frappe._dict]:
	"""Enabled Fiscal Years the test companies post in (no company list, or one naming them)."""
	years = frappe.get_all(
		DOCTYPE,
		filters={"disabled": 0},
		fields=["name", "year_start_date", "year_end_date"],
		order_by="year_start_date",
	)
	limited: dict[str, set[str]] = {}
	for row in frappe.get_all(
		"Fiscal Year Company", filters={"parenttype": DOCTYPE}, fields=["parent", "company"]
	):
		limited.setdefault(row.parent, set()).add(row.company)
	return [y for y in years if y.name not in limited or set(COMPANIES) <= limited[y.name]]


def _covers(years, day: date) -> bool:
	return any(getdate(y.year_start_date) <= day <= getdate(y.year_end_date) for y in years)


def _next_year(years, day: date) -> tuple[date, date]:
	"""The Fiscal Year to add toward `day`: right after the last one ending before it, else right
	before the first one starting after it, else the calendar year; cut short at the next year."""
	before = [getdate(y.year_end_date) for y in years if getdate(y.year_end_date) < day]
	after = [getdate(y.year_start_date) for y in years if getdate(y.year_start_date) > day]
	if before:
		start = add_days(max(before), 1)
	elif after:
		start = add_years(min(after), -1)
	else:
		start = date(day.year, 1, 1)
	end = add_days(add_years(start, 1), -1)
	following = [s for s in after if s > start]
	if following and end >= min(following):
		end = add_days(min(following), -1)
	return getdate(start), getdate(end)


def _label(start: date, end: date) -> str:
	label = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
	if frappe.db.exists(DOCTYPE, label):  # e.g. a disabled year of that name
		label = f"{label} (COE tests)"
	return label


def ensure_fiscal_years(*dates) -> list[str]:
	"""Make Fiscal Years (for the test companies) until every date is in one; returns the names
	made, for remove_fiscal_years. Not committed."""
	made = []
	for day in sorted({getdate(d) for d in dates if d}):
		years = _usable_years()
		while not _covers(years, day):
			start, end = _next_year(years, day)
			doc = frappe.get_doc(
				{
					"doctype": DOCTYPE,
					"year": _label(start, end),
					"year_start_date": start,
					"year_end_date": end,
					"is_short_year": int(add_days(add_years(start, 1), -1) != end),
					"companies": [{"company": company} for company in COMPANIES],
				}
			).insert(ignore_permissions=True)
			made.append(doc.name)
			years = _usable_years()
	frappe.cache.delete_value("fiscal_years")
	return made


def remove_fiscal_years(names) -> None:
	for name in reversed(list(names)):
		if frappe.db.exists(DOCTYPE, name):
			frappe.delete_doc(DOCTYPE, name, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.cache.delete_value("fiscal_years")


def cover(test_class, *dates) -> list[str]:
	"""For a FrappeTestCase class, from its setUpClass: Fiscal Years covering `dates` for the whole
	class, committed (its HTTP requests and other connections post too), and a class cleanup that
	removes them after tearDownClass has removed what was posted in them."""
	made = ensure_fiscal_years(*dates)
	frappe.db.commit()
	if made:

		def remove():
			frappe.db.rollback()
			remove_fiscal_years(made)
			frappe.db.commit()

		test_class.addClassCleanup(remove)
	return made
