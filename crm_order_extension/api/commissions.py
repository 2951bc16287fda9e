"""Commission payouts from the Commission Ledger list (bulk "Mark as Paid")."""

import json

import frappe
from frappe import _
from frappe.utils import getdate

from crm_order_extension.api.utils import check_permitted, client_error, required
from crm_order_extension.core import commission

LEDGER = "Commission Ledger"


def _names(names) -> list[str]:
	if isinstance(names, str):
		try:
			names = json.loads(names) if names.strip().startswith("[") else [names]
		except ValueError:
			client_error(_("Entries must be a list of Commission Ledger names"))
	if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
		client_error(_("Select at least one Commission Ledger entry"))
	return [n.strip() for n in names]


@frappe.whitelist(methods=["POST"])
def mark_paid(names: list[str] | str | None = None, paid_date: str | None = None) -> dict:
	"""Pay out Eligible entries on `paid_date`; all or nothing, so a payout run is never half-booked."""
	names = _names(names)
	paid_date = required(paid_date, _("Paid Date"))
	try:
		paid_date = getdate(paid_date)
	except Exception:
		client_error(_("Paid Date {0} is not a valid date").format(paid_date))
	for name in names:
		check_permitted(LEDGER, name, "write")
	total = len(names)
	for n, name in enumerate(names, 1):
		entry = frappe.get_doc(LEDGER, name)
		if entry.status != commission.ELIGIBLE:
			frappe.throw(
				_("Commission {0} is {1}: only Eligible commissions can be paid").format(
					name, _(entry.status)
				),
				title=_("Not paid"),
			)
		entry.status = commission.PAID
		entry.paid_date = paid_date
		entry.save()
		if total > 20:
			frappe.publish_progress(n * 100 / total, title=_("Marking commissions as paid"))
	return {"paid": total, "paid_date": str(paid_date)}
