"""Commission payouts from the Commission Ledger list (bulk "Mark as Paid")."""

import frappe
from frappe import _

from crm_order_extension.api.utils import JSONValue, check_permitted, date_arg, names_arg
from crm_order_extension.core import commission

LEDGER = "Commission Ledger"


@frappe.whitelist(methods=["POST"])
def mark_paid(names: JSONValue = None, paid_date: JSONValue = None) -> dict:
	"""Pay out Eligible entries on `paid_date`; all or nothing, so a payout run is never half-booked.

	`names`: Commission Ledger names (a list, or a JSON array as frappe.call sends it)."""
	names = names_arg(names, _("Commission Ledger entries"))
	paid_date = date_arg(paid_date, _("Paid Date"))
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
