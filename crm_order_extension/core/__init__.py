"""Pure business rules of the app.

Nothing in this package may import frappe (or erpnext, crm, helpdesk): tier 1 tests run it
with plain pytest on machines without a bench. Frappe adapters elsewhere in the app call it.
"""
