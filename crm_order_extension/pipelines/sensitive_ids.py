"""Sensitive ID: a customer's SSN, EIN or ITIN, kept in a Password field.

Variables holding a number are named `secret...`: Frappe's Error Log redacts such names from the
local variables it records with a traceback.

Frappe encrypts a Password field with the site's key into `__Auth` and stores only `*****` in the
document, so lists, reports, the REST API, exports and the Version log never carry the number;
deleting the record deletes its `__Auth` row (`frappe.delete_doc` -> `delete_all_passwords_for`).
The number comes back only through `reveal` (Sensitive Data Viewer role) and `reveal_for_document`
(templates), and every time an Access Log row records who, when and why. Who gets it from a
template is decided in core.sensitive_documents: a generation job rendering an approved Document
Template, a viewer previewing an approved one, a viewer rendering anything else.
"""

import json
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from crm_order_extension.core import sensitive_documents as disclosure_rules
from crm_order_extension.core import sensitive_id as rules
from crm_order_extension.core.errors import RuleError
from crm_order_extension.utils.messages import rule_message

DOCTYPE = "Sensitive ID"
VIEWER_ROLE = "Sensitive Data Viewer"
FIELD = "id_value"
ACCESS_LOG = "Access Log"
REVEAL = "Reveal"
DOCUMENT = "Document"


def _refuse(err: RuleError):
	# The messages of core.sensitive_id never contain the number; no traceback either.
	frappe.flags.disable_traceback = True
	frappe.throw(rule_message(err), frappe.ValidationError, title=_("Invalid number"))


def _is_dummy(secret_value) -> bool:
	return isinstance(secret_value, str) and bool(secret_value) and set(secret_value) == {"*"}


def validate_record(doc) -> None:
	"""Controller rules: a valid number (stored as its 9 digits), its mask, one record per
	customer, type and entity."""
	try:
		rules.check_type(doc.id_type)
		doc.entity_name = rules.normalize_entity(doc.id_type, doc.entity_name) or None
		secret_value = doc.get(FIELD)
		if _is_dummy(secret_value) and not doc.is_new():
			# Unchanged number (the form sends the placeholder back). It is checked again when the
			# type changes, since a valid SSN need not be a valid EIN.
			before = doc.get_doc_before_save()
			if before and before.id_type != doc.id_type:
				stored_secret = get_decrypted_password(DOCTYPE, doc.name, FIELD, raise_exception=False)
				doc.masked = rules.mask(doc.id_type, rules.normalize(doc.id_type, stored_secret))
		else:
			secret_digits = rules.normalize(doc.id_type, None if _is_dummy(secret_value) else secret_value)
			doc.set(FIELD, secret_digits)  # Frappe encrypts it and keeps `*********` in the document
			doc.masked = rules.mask(doc.id_type, secret_digits)
	except RuleError as err:
		_refuse(err)
	doc.record_key = rules.record_key(doc.customer, doc.id_type, doc.entity_name)
	other = frappe.db.get_value(DOCTYPE, {"record_key": doc.record_key, "name": ("!=", doc.name)})
	if other:
		what = doc.id_type + (f" ({doc.entity_name})" if doc.entity_name else "")
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("Customer {0} already has an {1} on file: {2}").format(frappe.bold(doc.customer), what, other),
			frappe.UniqueValidationError,
			title=_("Already on file"),
		)


def formatted(id_type: str, secret_digits: str) -> str:
	if not secret_digits or len(secret_digits) != rules.LENGTH:
		return secret_digits or ""
	if id_type == rules.EIN:
		return f"{secret_digits[:2]}-{secret_digits[2:]}"
	return f"{secret_digits[:3]}-{secret_digits[3:5]}-{secret_digits[5:]}"


def log_access(record: dict, method: str, purpose: str | None = None, **context) -> str:
	"""An Access Log row for one disclosure: user, time, record, customer, type and purpose (and
	for a document the template, its approver and the order).

	Inserted in the caller's transaction (no commit in a request); a GET request, which Frappe
	would roll back, is told to commit so the log is kept."""
	details = {"customer": record["customer"], "id_type": record["id_type"]}
	if record.get("entity_name"):
		details["entity_name"] = record["entity_name"]
	if purpose:
		details["purpose"] = purpose
	details.update({key: value for key, value in context.items() if value})
	log = frappe.get_doc(
		{
			"doctype": ACCESS_LOG,
			"user": frappe.session.user,
			"timestamp": now_datetime(),
			"export_from": DOCTYPE,
			"reference_document": record["name"],
			"method": method,
			"filters": json.dumps(details, sort_keys=True),
		}
	)
	log.insert(ignore_permissions=True)
	if getattr(frappe.local, "request", None) is not None:
		frappe.local.flags.commit = True
	return log.name


def _decrypted(record: dict) -> str:
	secret = get_decrypted_password(DOCTYPE, record["name"], FIELD, raise_exception=False)
	if not secret:
		frappe.throw(_("Sensitive ID {0} has no stored number").format(record["name"]))
	return secret


def _record(name: str) -> dict:
	return frappe.db.get_value(DOCTYPE, name, ["name", "customer", "id_type", "entity_name"], as_dict=True)


def reveal(name: str) -> dict:
	"""The number of Sensitive ID `name`, logged. The caller has checked the role and permission."""
	record = _record(name)
	# Logged first: nothing after the decryption can fail and leave the number in a traceback.
	log_access(record, REVEAL)
	secret = _decrypted(record)
	return {
		"name": record["name"],
		"customer": record["customer"],
		"id_type": record["id_type"],
		"entity_name": record["entity_name"],
		"value": secret,
		"formatted": formatted(record["id_type"], secret),
	}


# Rendering contexts ------------------------------------------------------------------------------

_CONTEXTS = "coe_sensitive_id_contexts"


def _contexts() -> list[dict]:
	if getattr(frappe.local, _CONTEXTS, None) is None:
		setattr(frappe.local, _CONTEXTS, [])
	return getattr(frappe.local, _CONTEXTS)


@contextmanager
def rendering(mode: str, source: str | None = None, approved_by: str | None = None, order=None):
	"""While a template is rendered for a document (a generation job: `mode` GENERATION with the
	template or generator as `source`, and its approver when the approval holds) or previewed
	(PREVIEW): the helpers decide by it. Yields the list of Sensitive IDs the render used."""
	context = {
		"mode": mode,
		"source": source,
		"approved_by": approved_by,
		"order": order,
		"used": [],
	}
	_contexts().append(context)
	try:
		yield context["used"]
	finally:
		_contexts().remove(context)


def _current_context() -> dict | None:
	contexts = _contexts()
	return contexts[-1] if contexts else None


def has_viewer_role(user: str | None = None) -> bool:
	return VIEWER_ROLE in frappe.get_roles(user or frappe.session.user)


def reveal_for_document(
	customer: str,
	id_type: str,
	entity_name: str | None = None,
	purpose: str | None = None,
	default: str | None = None,
) -> str:
	"""The number for a document, e.g. an EIN letter: `{{ sensitive_id(order.customer, "EIN",
	order.entity_name, purpose="EIN confirmation letter") }}`. Returns it formatted (`12-3456789`,
	`123-45-6789`) and records an Access Log row (method "Document", with the purpose).

	Who gets it (core.sensitive_documents): a generation job only for a template a Sensitive Data
	Viewer approved, and only the order's customer's; a preview the masked form unless a viewer
	previews an approved template; any other render (print format, web page, server code) only a
	viewer who may read the record. Everyone else gets a permission error. With `default`, a
	customer without such a number on file gets `default` instead (nothing is disclosed)."""
	purpose = " ".join(str(purpose or "").split())
	if not purpose:
		frappe.throw(_("Say what the Sensitive ID is used for (purpose)"))
	try:
		rules.check_type(id_type)
	except RuleError as err:
		_refuse(err)
	key = rules.record_key(customer, id_type, entity_name)
	name = frappe.db.get_value(DOCTYPE, {"record_key": key})
	what = id_type + (f" ({entity_name})" if id_type == rules.EIN and entity_name else "")
	if not name:
		if default is not None:
			return default
		frappe.throw(_("Customer {0} has no {1} on file").format(customer, what), frappe.DoesNotExistError)
	context = _current_context() or {"mode": disclosure_rules.DIRECT}
	mode = context["mode"]
	order = context.get("order")
	try:
		outcome = disclosure_rules.disclosure(
			mode,
			is_viewer=has_viewer_role(),
			can_read_record=bool(frappe.has_permission(DOCTYPE, "read", doc=name)),
			source=context.get("source"),
			template_approved=bool(context.get("approved_by")),
			order_customer=order.get("customer") if order else None,
			customer=customer,
		)
	except disclosure_rules.NotPermitted as err:
		frappe.flags.disable_traceback = True
		frappe.throw(rule_message(err), frappe.PermissionError, title=_("Not permitted"))
	if outcome == disclosure_rules.MASK:
		return frappe.db.get_value(DOCTYPE, name, "masked")
	record = _record(name)
	log_access(
		record,
		DOCUMENT,
		purpose,
		rendering=mode,
		template=context.get("source"),
		approved_by=context.get("approved_by"),
		order=f"{order.doctype} {order.name}" if order else None,
	)
	if "used" in context:
		context["used"].append(name)
	return formatted(record["id_type"], _decrypted(record))


def sensitive_id(
	customer: str,
	id_type: str,
	entity_name: str | None = None,
	purpose: str | None = None,
	default: str | None = None,
) -> str:
	"""reveal_for_document under its Jinja name (hooks `jinja`: Frappe v15 names a Jinja method
	after its function)."""
	return reveal_for_document(customer, id_type, entity_name, purpose=purpose, default=default)
