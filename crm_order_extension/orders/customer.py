"""Resolve the ERPNext Customer behind a CRM Lead, CRM Deal or HD Ticket, and the reverse: the
records that may belong to a customer (to re-sync them when its orders change).

One implementation for the three DocTypes: each record is reduced to a `RecordKeys` (explicit
customers, contacts, emails, names) and the frappe-free resolver decides.
"""

from dataclasses import dataclass, field

import frappe
from frappe import _, _lt

from crm_order_extension.core import customer_match
from crm_order_extension.core.customer_match import AmbiguousCustomer, Resolution


@dataclass(frozen=True)
class Target:
	doctype: str
	child_doctype: str
	title_field: str


TARGETS = {
	"CRM Lead": Target("CRM Lead", "CRM Lead Order Item", "lead_name"),
	"CRM Deal": Target("CRM Deal", "CRM Lead Order Item", "organization"),
	"HD Ticket": Target("HD Ticket", "HD Ticket Order Item", "subject"),
}

# Lazy: translated when a message is built, in that user's language (not once at import).
LEVEL_LABELS = {
	customer_match.EXPLICIT: _lt("explicit link"),
	customer_match.CONTACT: _lt("contact"),
	customer_match.EMAIL: _lt("email"),
	customer_match.NAME: _lt("name"),
}


@dataclass
class RecordKeys:
	explicit: list[str] = field(default_factory=list)
	contacts: list[str] = field(default_factory=list)
	emails: list[str] = field(default_factory=list)
	names: list[str] = field(default_factory=list)


def get_target(doctype: str) -> Target:
	target = TARGETS.get(doctype)
	if not target:
		frappe.throw(
			_("Order history is available for {0}, not for {1}").format(
				", ".join(_(d) for d in TARGETS), _(doctype or "")
			),
			frappe.ValidationError,
		)
	return target


def _customer_has_crm_deal_link() -> bool:
	# CRM's ERPNext integration adds Customer.crm_deal; without it there is no explicit link.
	return frappe.get_meta("Customer").has_field("crm_deal")


def _contact_names(contacts: list[str]) -> list[str]:
	if not contacts:
		return []
	rows = frappe.get_all(
		"Contact", filters={"name": ("in", contacts)}, fields=["first_name", "last_name", "full_name"]
	)
	return [r.full_name or " ".join(filter(None, (r.first_name, r.last_name))) for r in rows]


def _contact_emails(contacts: list[str]) -> list[str]:
	if not contacts:
		return []
	return frappe.get_all(
		"Contact Email", filters={"parenttype": "Contact", "parent": ("in", contacts)}, pluck="email_id"
	)


# Only what the resolver reads: loading the whole document would also load its (large) history.
KEY_FIELDS = {
	"CRM Lead": ["name", "email", "organization", "lead_name", "first_name", "last_name"],
	"CRM Deal": ["name", "email", "organization", "organization_name", "lead_name", "contact"],
	"HD Ticket": ["name", "contact", "raised_by", "customer"],
}


def load_record(doctype: str, name: str):
	"""The fields of a lead, deal or ticket that identify its customer, as a light dict."""
	get_target(doctype)
	meta = frappe.get_meta(doctype)
	fields = [f for f in KEY_FIELDS[doctype] if f == "name" or meta.has_field(f)]
	doc = frappe.db.get_value(doctype, name, [*fields, "custom_erpnext_customer"], as_dict=True)
	if not doc:
		raise frappe.DoesNotExistError(doctype, name)
	doc.doctype = doctype
	if doctype == "CRM Deal":
		doc.contacts = frappe.get_all(
			"CRM Contacts",
			filters={"parenttype": "CRM Deal", "parent": name},
			fields=["contact"],
			order_by="idx",
		)
	return doc


def record_keys(doc) -> RecordKeys:
	"""What identifies the customer of a lead, deal or ticket, in resolver order."""
	keys = RecordKeys(explicit=[doc.get("custom_erpnext_customer")])
	if doc.doctype == "CRM Lead":
		keys.emails = [doc.email]
		keys.contacts = (
			frappe.get_all("Contact", filters={"email_id": doc.email}, pluck="name") if doc.email else []
		)
		keys.names = [
			doc.organization,
			doc.lead_name,
			" ".join(filter(None, (doc.first_name, doc.last_name))),
		]
		if _customer_has_crm_deal_link():
			deals = frappe.get_all("CRM Deal", filters={"lead": doc.name}, pluck="name")
			if deals:
				keys.explicit += frappe.get_all("Customer", filters={"crm_deal": ("in", deals)}, pluck="name")
	elif doc.doctype == "CRM Deal":
		keys.contacts = customer_match.unique(
			[row.contact for row in doc.get("contacts") or []] + [doc.get("contact")]
		)
		keys.emails = [doc.get("email"), *_contact_emails(keys.contacts)]
		keys.names = [
			doc.organization,
			doc.get("organization_name"),
			doc.get("lead_name"),
			*_contact_names(keys.contacts),
		]
		if _customer_has_crm_deal_link():
			keys.explicit += frappe.get_all("Customer", filters={"crm_deal": doc.name}, pluck="name")
	elif doc.doctype == "HD Ticket":
		keys.contacts = [doc.contact] if doc.contact else []
		keys.emails = [doc.raised_by, *_contact_emails(keys.contacts)]
		keys.names = [*_contact_names(keys.contacts), doc.customer]
	else:
		get_target(doc.doctype)
	keys.emails = customer_match.unique(e.strip().lower() for e in keys.emails if e and e.strip())
	return keys


def _enabled(customers: list[str]) -> list[str]:
	if not customers:
		return []
	enabled = set(
		frappe.get_all("Customer", filters={"name": ("in", customers), "disabled": 0}, pluck="name")
	)
	return [c for c in customer_match.unique(customers) if c in enabled]


def customers_of_contacts(contacts: list[str]) -> list[str]:
	"""Enabled customers linked from these contacts (one query)."""
	if not contacts:
		return []
	link = frappe.qb.DocType("Dynamic Link")
	customer = frappe.qb.DocType("Customer")
	return customer_match.unique(
		frappe.qb.from_(link)
		.join(customer)
		.on(customer.name == link.link_name)
		.select(link.link_name)
		.where(
			(link.parenttype == "Contact")
			& link.parent.isin(contacts)
			& (link.link_doctype == "Customer")
			& (customer.disabled == 0)
		)
		.orderby(link.parent)
		.orderby(link.idx)
		.run(pluck=True)
	)


def customers_by_email(emails: list[str]) -> list[str]:
	if not emails:
		return []
	contacts = frappe.get_all(
		"Contact Email", filters={"parenttype": "Contact", "email_id": ("in", emails)}, pluck="parent"
	)
	contacts += frappe.get_all("Contact", filters={"email_id": ("in", emails)}, pluck="name")
	direct = frappe.get_all("Customer", filters={"email_id": ("in", emails)}, pluck="name")
	return customer_match.unique(customers_of_contacts(customer_match.unique(contacts)) + _enabled(direct))


def customers_by_name(names: list[str]) -> list[str]:
	tokens = customer_match.search_token(names)
	if not tokens:
		return []
	candidates = frappe.get_all(
		"Customer",
		filters={"disabled": 0},
		or_filters=[["customer_name", "like", f"%{token}%"] for token in tokens],
		fields=["name", "customer_name"],
	)
	return customer_match.customers_matching_names(names, [(c.name, c.customer_name) for c in candidates])


def resolve_customer(doc) -> Resolution:
	"""The single customer of a lead, deal or ticket; raises AmbiguousCustomer on a tie."""
	keys = record_keys(doc)
	return customer_match.resolve(
		[
			(customer_match.EXPLICIT, lambda: _enabled(customer_match.unique(keys.explicit))),
			(customer_match.CONTACT, lambda: customers_of_contacts(keys.contacts)),
			(customer_match.EMAIL, lambda: customers_by_email(keys.emails)),
			(customer_match.NAME, lambda: customers_by_name(keys.names)),
		]
	)


def ambiguity_message(doctype: str, name: str, err: AmbiguousCustomer) -> str:
	return _(
		"Several customers match {0} {1} by {2}: {3}. Set the ERPNext Customer field to choose one."
	).format(_(doctype), name, str(LEVEL_LABELS.get(err.level, err.level)), ", ".join(err.candidates))


def records_resolved_to(customer: str) -> list[tuple[str, str]]:
	"""Leads, deals and tickets whose stored resolution or explicit choice is `customer` (each
	lookup uses its column's index). Every record is resolved when it is created and again when
	what identifies it changes (orders/sync.py), so an order change needs no more than this."""
	records = []
	for doctype in TARGETS:
		for column in ("custom_order_customer", "custom_erpnext_customer"):
			records += [(doctype, str(n)) for n in frappe.get_all(doctype, {column: customer}, pluck="name")]
	return customer_match.unique(records)


def _lookup(doctype: str, field: str, values: list) -> list[tuple[str, str]]:
	"""Names of `doctype` whose indexed `field` equals one of `values`: one query per column, so
	each uses its own index (an OR over several columns would scan the table)."""
	values = [v for v in values if v]
	if not values:
		return []
	condition = {field: ("in", values)} if len(values) > 1 else {field: values[0]}
	return [(doctype, str(n)) for n in frappe.get_all(doctype, filters=condition, pluck="name")]


def records_of_customer(customer: str, broad: bool = True) -> list[tuple[str, str]]:
	"""Leads, deals and tickets that may belong to `customer`: resolved or linked to it and, with
	`broad` (a customer or contact changed), those sharing its contacts, emails or name. Each is
	re-resolved when it syncs."""
	records = records_resolved_to(customer)
	if not broad:
		return records
	contacts = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "link_doctype": "Customer", "link_name": customer},
		pluck="parent",
	)
	emails = customer_match.unique(
		e.lower()
		for e in _contact_emails(contacts)
		+ (
			frappe.get_all("Contact", filters={"name": ("in", contacts)}, pluck="email_id")
			if contacts
			else []
		)
		+ [frappe.db.get_value("Customer", customer, "email_id")]
		if e
	)
	customer_name = frappe.db.get_value("Customer", customer, "customer_name") or customer
	records += _lookup("CRM Lead", "email", emails)
	records += _lookup("CRM Lead", "organization", [customer_name])
	records += _lookup("CRM Lead", "lead_name", [customer_name])
	records += _lookup("CRM Deal", "email", emails)
	records += _lookup("CRM Deal", "organization", [customer_name])
	if frappe.get_meta("CRM Deal").has_field("contact"):
		records += _lookup("CRM Deal", "contact", contacts)
	if contacts:
		records += [
			("CRM Deal", str(n))
			for n in frappe.get_all(
				"CRM Contacts",
				filters={"parenttype": "CRM Deal", "contact": ("in", contacts)},
				pluck="parent",
				distinct=True,
			)
		]
	if _customer_has_crm_deal_link():
		records += _lookup("CRM Deal", "name", [frappe.db.get_value("Customer", customer, "crm_deal")])
	records += _lookup("HD Ticket", "contact", contacts)
	records += _lookup("HD Ticket", "raised_by", emails)
	return customer_match.unique(records)
