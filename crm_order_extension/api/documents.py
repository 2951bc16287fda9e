"""Order document endpoints: re-run the generation, deliver by email, list the documents; a
Document Template's approval of Sensitive IDs and its preview."""

import frappe
from frappe import _

from crm_order_extension.api.pipelines import _get
from crm_order_extension.api.utils import JSONValue, check_permitted, client_error, required
from crm_order_extension.core import documents as rules
from crm_order_extension.core import pipeline
from crm_order_extension.core.errors import RuleError
from crm_order_extension.pipelines import documents, sensitive_ids
from crm_order_extension.utils.messages import rule_message


def _rule(check, *args):
	try:
		check(*args)
	except RuleError as err:
		client_error(rule_message(err))


@frappe.whitelist(methods=["POST"])
def generate(doctype: JSONValue = None, name: JSONValue = None) -> dict:
	"""(Re-)generate the documents of an order in Queued, Processing or Failed (needs write
	access): a Failed order goes back to Queued, which queues the job; otherwise the job is queued
	for the order as it is."""
	doc = _get(doctype, name, "write")
	_rule(rules.check_can_regenerate, doc.status)
	if doc.status == pipeline.FAILED:
		doc.status = pipeline.QUEUED
		doc.save()  # the controller queues the job on entering Queued
	else:
		documents.request_generation(doc.doctype, doc.name)
	return {"name": doc.name, "status": frappe.db.get_value(doc.doctype, doc.name, "status"), "queued": True}


@frappe.whitelist(methods=["POST"])
def deliver(doctype: JSONValue = None, name: JSONValue = None) -> dict:
	"""Email the latest documents of a Ready order to the customer's primary contact and set it
	Delivered (needs write access and email permission on the order)."""
	doc = _get(doctype, name, "write")
	if not frappe.has_permission(doc.doctype, "email", doc=doc):
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("You cannot send emails from {0} {1}").format(_(doc.doctype), doc.name), frappe.PermissionError
		)
	recipient = documents.delivery_recipient(doc.customer)
	_rule(
		rules.check_can_deliver,
		doc.status,
		recipient,
		[f.name for f in documents.latest_documents(doc)],
	)
	try:
		result = documents.deliver(doc)
	except frappe.OutgoingEmailError:
		client_error(_("No outgoing email account is set up: add a default outgoing Email Account first"))
	return {"name": doc.name, "status": doc.status, **result}


@frappe.whitelist(methods=["GET", "POST"])
def list_documents(doctype: JSONValue = None, name: JSONValue = None) -> dict:
	"""The order's generated documents, newest version first, with the delivery email's status."""
	doc = _get(doctype, name, "read")
	files = documents.document_files(doc.doctype, doc.name)
	versions = rules.versions_of([f.file_name for f in files], doc.name, doc.document_version)
	return {
		"version": doc.document_version,
		"delivery_status": doc.get("delivery_status") or None,
		"documents": [
			{
				"name": f.name,
				"file_name": f.file_name,
				"file_url": f.file_url,
				"version": versions.get(f.file_name),
				"latest": bool(doc.document_version) and versions.get(f.file_name) == doc.document_version,
			}
			for f in reversed(files)
		],
	}


def _template(template) -> str:
	name = required(template, _("Document Template"))
	check_permitted(documents.TEMPLATE, name, "read")
	return name


@frappe.whitelist(methods=["POST"])
def approve_sensitive_ids(template: JSONValue = None) -> dict:
	"""A Sensitive Data Viewer approves the template's use of Sensitive IDs as it reads now: until
	its HTML body or .docx changes, generation jobs may put the numbers (of each order's own
	customer) into its documents. Who and when are kept on the template."""
	if not sensitive_ids.has_viewer_role():
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("Approving a template's Sensitive IDs needs the {0} role").format(_(sensitive_ids.VIEWER_ROLE)),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	return documents.approve_template(_template(template))


@frappe.whitelist(methods=["POST"])
def withdraw_sensitive_ids_approval(template: JSONValue = None) -> dict:
	"""Withdraw the approval (a Sensitive Data Viewer, or a user who may edit the template)."""
	name = _template(template)
	if not (sensitive_ids.has_viewer_role() or frappe.has_permission(documents.TEMPLATE, "write", doc=name)):
		frappe.flags.disable_traceback = True
		frappe.throw(
			_("Withdrawing the approval needs the {0} role or write access to the template").format(
				_(sensitive_ids.VIEWER_ROLE)
			),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	return documents.withdraw_template_approval(name)


@frappe.whitelist(methods=["GET", "POST"])
def preview(template: JSONValue = None, doctype: JSONValue = None, name: JSONValue = None) -> dict:
	"""The template's HTML body rendered for an order (read access to both). A Sensitive ID shows
	as its number only to a Sensitive Data Viewer previewing an approved template; everyone else
	sees it masked (`***-**-1234`)."""
	template_name = _template(template)
	doc = _get(doctype, name, "read")
	template_doc = frappe.get_doc(documents.TEMPLATE, template_name)
	if template_doc.pipeline_doctype != doc.doctype:
		client_error(
			_("Template {0} is for {1}, not {2}").format(
				template_name, _(template_doc.pipeline_doctype), _(doc.doctype)
			)
		)
	if template_doc.output_format == rules.DOCX:
		client_error(
			_("Template {0} has no HTML body to preview: generate the documents to see its .docx").format(
				template_name
			)
		)
	try:
		html = documents.preview_html(template_doc, doc)
	except documents.DocumentError as exc:
		client_error(str(exc))
	return {"template": template_name, "doctype": doc.doctype, "name": doc.name, "html": html}
