"""Order documents: generation on the `long` queue, template rendering (Jinja → PDF, docxtpl →
DOCX), private attachments, and delivery by email. The rules (which templates apply, versions,
file names, when to generate or deliver) are in core.documents.

Generation runs in one transaction: the order moves Queued → Processing, every generator renders
its documents in memory, and only then are the files attached and the order moved to Review. A
failure rolls back to the savepoint taken after Processing (no file of the run stays) and moves the
order to Failed with the template and error in the status log and an Error Log.
"""

import io
import json
import logging
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_order_extension.core import documents as rules
from crm_order_extension.core import formation, pipeline
from crm_order_extension.core import sensitive_documents as sensitive_rules
from crm_order_extension.core.errors import RuleError
from crm_order_extension.jobs import request_job, running_inline
from crm_order_extension.pipelines import sensitive_documents, sensitive_ids
from crm_order_extension.pipelines.common import throw_rule
from crm_order_extension.utils.guard import guarded

TEMPLATE = "Document Template"
HOOK = "crm_order_extension_document_generators"
BUILTIN_GENERATOR = "crm_order_extension.pipelines.documents.render_templates"
JOB = "crm_order_extension.pipelines.documents.generate"
JOB_TIMEOUT = 1800
EMAIL_TEMPLATE = "Order Documents Delivery"
SAVEPOINT = "coe_order_documents"


class DocumentError(Exception):
	"""A generator or template failed; the message is the one-line text for the status log."""


# Triggers ---------------------------------------------------------------------------------------


def on_status_change(doc, previous: str | None) -> None:
	"""Pipeline controller on_update: entering Queued (or Revision → Processing) asks for the
	documents, after the change commits."""
	if rules.generation_trigger(previous, doc.status, bool(doc.flags.generating_documents)):
		request_generation(doc.doctype, doc.name)


INLINE_FLAG = "crm_order_extension_inline_documents"


def request_generation(doctype: str, name: str) -> None:
	"""Queue the job after commit. In tier-2 tests jobs run at once inside the test's transaction
	(crm_order_extension.jobs); this one only when the test sets frappe.flags[INLINE_FLAG]:
	other suites check an order right after it is Queued, as a request sees it before the job
	has run."""
	if running_inline() and not frappe.flags.get(INLINE_FLAG):
		return
	request_job(
		JOB,
		key=f"documents:{doctype}:{name}",
		queue="long",
		timeout=JOB_TIMEOUT,
		doctype=doctype,
		name=name,
	)


# The job ----------------------------------------------------------------------------------------


def _move(doc, status: str, note: str | None = None) -> None:
	doc.status = status
	doc.flags.ignore_permissions = True
	doc.flags.generating_documents = True
	doc.save()
	if note:
		doc.status_log[-1].db_set("note", note[:1000], update_modified=False)


def generate(doctype: str, name: str) -> str | None:
	"""Job: generate the order's documents as the next version. Idempotent: an order that is no
	longer Queued or Processing (already generated, refunded) is left alone. The row lock serialises
	two jobs of one order."""
	if not frappe.db.get_value(doctype, name, "status", for_update=True):
		return None
	doc = frappe.get_doc(doctype, name)
	if doc.status == pipeline.QUEUED:
		_move(doc, pipeline.PROCESSING)
	if doc.status != pipeline.PROCESSING:
		return doc.status

	attached = []
	title = _("Documents of {0} {1} failed").format(_(doctype), name)
	with guarded(SAVEPOINT, title=title, reference_doctype=doctype, reference_name=name) as guard:
		version = rules.next_version(doc.document_version)
		outputs = produce(doc)
		if not outputs:
			raise DocumentError(_("No document template or generator applies to this order"))
		attach(doc, outputs, version, attached)
		doc.document_version = version
		doc.documents_generated_on = now_datetime()
		_move(
			doc,
			pipeline.REVIEW,
			_("{0} documents generated (version {1})").format(len(attached), version),
		)
	if exc := guard.error:
		for file_doc in attached:
			file_doc._delete_file_on_disk()  # rolled back rows leave their content on disk
		message = (
			str(exc)
			if isinstance(exc, DocumentError | RuleError)
			else _("{0}: {1}").format(type(exc).__name__, exc)
		)
		doc = frappe.get_doc(doctype, name)
		_move(doc, pipeline.FAILED, message)
	return doc.status


# Producing the documents ------------------------------------------------------------------------


def configured_generators() -> list[dict]:
	"""The hook from every app's hooks.py, then the same key in site_config.json (site-specific
	generators without an app; also how the tests register one)."""
	return [frappe.get_hooks(HOOK) or {}, frappe.conf.get(HOOK) or {}]


def generators_for(doc) -> list[str]:
	keys = rules.generator_keys(doc.doctype, doc.get("service_type"))
	return rules.generators_for(configured_generators(), keys)


def produce(doc) -> list[tuple[str, bytes, str]]:
	"""Every generator's documents for the order, in memory: [(stem, content, extension)]."""
	context = template_context(doc)
	outputs = []
	doc.flags.sensitive_outputs = {}
	for path in generators_for(doc):
		try:
			# Only an approved Document Template may use a Sensitive ID (render_templates); a
			# generator of another app has nothing a viewer could approve.
			with sensitive_ids.rendering(sensitive_rules.GENERATION, source=_("Generator {0}").format(path)):
				produced = frappe.get_attr(path)(doc, context)
		except DocumentError:
			raise
		except Exception as exc:
			raise DocumentError(_("Generator {0}: {1}").format(path, exc) if str(exc) else path)
		outputs += rules.normalize_outputs(produced, path)
	rules.check_unique_outputs(outputs)
	return outputs


def attach(doc, outputs, version: int, files: list) -> list:
	"""Attach each output as a private File; `files` collects them as they are made. A document
	that used a Sensitive ID is registered (its files download for Sensitive Data Viewers only)."""
	sensitive = doc.flags.get("sensitive_outputs") or {}
	with sensitive_documents.system_files():
		for stem, content, extension in outputs:
			file_doc = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": rules.file_name(doc.name, stem, version, extension),
					"attached_to_doctype": doc.doctype,
					"attached_to_name": doc.name,
					"is_private": 1,
					"content": content,
				}
			)
			file_doc.insert(ignore_permissions=True)
			files.append(file_doc)
			used = sensitive.get((stem, extension))
			if used:
				sensitive_documents.register(file_doc, doc, used["source"], used["ids"])
	return files


def template_context(doc) -> dict:
	"""What templates see: order, members, add_ons, customer, company, plus intake (a Compliance
	Service's intake data as a dict) and state_name."""
	company = (
		frappe.db.get_value("Sales Order", doc.sales_order, "company") if doc.get("sales_order") else None
	)
	company = (
		company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
	intake = {}
	if doc.get("intake_data"):
		try:
			intake = formation.parse_intake_data(doc.intake_data)
		except RuleError:
			intake = {}
	return {
		"doc": doc,
		"order": doc,
		"members": list(doc.get("members") or []),
		"add_ons": list(doc.get("add_ons") or []),
		"customer": frappe.get_doc("Customer", doc.customer) if doc.get("customer") else None,
		"company": frappe.get_cached_doc("Company", company) if company else None,
		"intake": intake,
		"state_name": formation.US_STATES.get(doc.get("state") or ""),
	}


def order_facts(doc) -> rules.OrderFacts:
	return rules.order_facts(
		doc.doctype,
		entity_type=doc.get("entity_type"),
		service_type=doc.get("service_type"),
		add_ons=[row.add_on for row in doc.get("add_ons") or []],
	)


def templates_for(doc) -> list[str]:
	rows = frappe.get_all(
		TEMPLATE,
		filters={"enabled": 1, "pipeline_doctype": doc.doctype},
		fields=["name", "enabled", "pipeline_doctype"],
		order_by="template_name asc",
	)
	conditions = frappe.get_all(
		"Document Template Condition",
		filters={"parenttype": TEMPLATE, "parent": ("in", [r.name for r in rows] or [""])},
		fields=["parent", "condition", "value"],
	)
	for row in rows:
		row["conditions"] = [(c.condition, c.value) for c in conditions if c.parent == row.name]
	return rules.matching_templates(rows, order_facts(doc))


def render_templates(doc, context) -> list[tuple[str, bytes, str]]:
	"""The built-in generator (registered for `*` in this app's hooks.py): every enabled Document
	Template that applies to the order, as PDF and/or DOCX. A template reads a Sensitive ID only
	while a Sensitive Data Viewer's approval holds (the job does not run as a viewer); a PDF body
	that renders to nothing (e.g. a letter whose number is not on file yet) makes no document."""
	outputs = []
	sensitive = doc.flags.setdefault("sensitive_outputs", {})
	for name in templates_for(doc):
		template = frappe.get_cached_doc(TEMPLATE, name)
		extensions = rules.outputs_of(template.output_format)
		docx = docx_template_content(template) if "docx" in extensions else None
		approved_by = template_approver(template, docx)
		for extension in extensions:
			with sensitive_ids.rendering(
				sensitive_rules.GENERATION, source=name, approved_by=approved_by, order=doc
			) as used:
				if extension == "pdf":
					content = render_pdf(template, context)
				else:
					content = render_docx(template, context, docx)
			if content is None:
				continue
			outputs.append((name, content, extension))
			if used:
				sensitive[(rules.safe_stem(name), extension)] = {"source": name, "ids": used}
	return outputs


def _template_failure(template: str, exc: Exception) -> DocumentError:
	return DocumentError(rules.error_message(template, rules.template_error_line(exc), str(exc)))


def render_html(template_name: str, source: str, context: dict) -> str:
	"""Render with Frappe's Jinja environment (the one behind frappe.render_template: its filters,
	`frappe.*` helpers and sandbox); an error names the template and the line."""
	from frappe.utils.jinja import get_jenv

	if ".__" in source:
		raise DocumentError(rules.error_message(template_name, None, _("Illegal template")))
	try:
		return get_jenv().from_string(source).render(context)
	except Exception as exc:
		raise _template_failure(template_name, exc)


# wkhtmltopdf waits 200 ms after loading a page for its JavaScript by default; get_pdf disables
# JavaScript, so that wait is idle time (more than half of a one-page PDF).
PDF_OPTIONS = {"javascript-delay": "0"}


def render_pdf(template, context: dict) -> bytes | None:
	"""The PDF of the template's HTML body; None when the body renders to nothing."""
	from frappe.utils.pdf import get_pdf
	from frappe.www.printview import get_print_style

	body = render_html(template.name, template.body_html or "", context)
	if sensitive_rules.is_blank(body):
		return None
	header, footer = letter_head_html(template.letter_head)
	html = (
		'<!DOCTYPE html><html><head><meta charset="utf-8">'
		f"<style>{get_print_style()}</style></head><body>"
		f'<div class="print-format">{header}{body}</div>{footer}</body></html>'
	)
	try:
		with quiet_css_parser():
			return get_pdf(html, options=dict(PDF_OPTIONS))
	except Exception as exc:
		raise DocumentError(rules.error_message(template.name, None, _("PDF: {0}").format(exc)))


@contextmanager
def quiet_css_parser():
	"""get_pdf reads page margins from the print styles with cssutils, a CSS 2.1 parser that logs
	each modern rule it does not know (var(), #rrggbbaa, object-fit) as an error: some twenty lines
	per PDF in the worker log, none of them a fault."""
	log = logging.getLogger("CSSUTILS")
	level = log.level
	log.setLevel(logging.CRITICAL)
	try:
		yield
	finally:
		log.setLevel(level)


def letter_head_html(name: str | None) -> tuple[str, str]:
	"""The template's Letter Head, else the default one: (header, footer) HTML."""
	filters = {"name": name} if name else {"is_default": 1, "disabled": 0}
	row = frappe.db.get_value("Letter Head", filters, ["content", "footer"], as_dict=True)
	if not row:
		return "", ""
	header = f'<div class="letter-head">{row.content}</div>' if row.content else ""
	footer = f'<div id="footer-html" class="visible-pdf">{row.footer}</div>' if row.footer else ""
	return header, footer


_docx_env = None


def docx_environment():
	"""A sandboxed, autoescaping Jinja environment (XML needs escaping) with Frappe's filters and
	helpers; Frappe's shared environment is not changed."""
	global _docx_env
	if _docx_env is None:
		from frappe.utils.jinja import get_jenv
		from jinja2.sandbox import SandboxedEnvironment

		shared = get_jenv()
		_docx_env = SandboxedEnvironment(autoescape=True)
		_docx_env.filters.update(shared.filters)
		_docx_env.globals.update(shared.globals)
	return _docx_env


def docx_template_content(template) -> bytes:
	if not template.docx_template:
		raise DocumentError(rules.error_message(template.name, None, _("no .docx template attached")))
	file_name = frappe.db.get_value(
		"File",
		{
			"file_url": template.docx_template,
			"attached_to_doctype": TEMPLATE,
			"attached_to_name": template.name,
		},
	) or frappe.db.get_value("File", {"file_url": template.docx_template})
	if not file_name:
		raise DocumentError(
			rules.error_message(template.name, None, _("file {0} not found").format(template.docx_template))
		)
	return frappe.get_doc("File", file_name).get_content()


def render_docx(template, context: dict, content: bytes | None = None) -> bytes:
	from docxtpl import DocxTemplate

	try:
		document = DocxTemplate(io.BytesIO(content or docx_template_content(template)))
		document.render(context, jinja_env=docx_environment())
		out = io.BytesIO()
		document.save(out)
	except DocumentError:
		raise
	except Exception as exc:
		# Lines of a DOCX template are lines of its XML, meaningless to the author: the error only.
		raise DocumentError(rules.error_message(template.name, None, f"DOCX: {exc}"))
	return out.getvalue()


def preload_renderer() -> None:
	"""Import and warm the renderers once in a worker's parent process. RQ forks a fresh process
	for every job from it, so each generation job would otherwise import pdfkit, pypdf, cssutils and
	docxtpl again and compile cssutils' property validators (what get_pdf uses to read page margins
	from the print styles): about a third of a job's time."""
	import cssutils
	import docxtpl
	import frappe.utils.pdf
	import frappe.www.printview

	profile = cssutils.profile
	for name in profile.knownNames:
		profile.validate(name, "inherit")


# Document Template controller ---------------------------------------------------------------------


def validate_document_template(template) -> None:
	from frappe.utils.jinja import get_jenv
	from jinja2 import TemplateSyntaxError

	try:
		rules.validate_template(
			template.pipeline_doctype,
			template.output_format,
			[(row.condition, (row.value or "").strip()) for row in template.conditions],
			bool((template.body_html or "").strip()),
			bool(template.docx_template or template.flags.docx_pending),
		)
	except RuleError as err:
		throw_rule(err)
	for row in template.conditions:
		row.value = (row.value or "").strip()
	if template.docx_template and not template.docx_template.lower().endswith(".docx"):
		frappe.flags.disable_traceback = True
		frappe.throw(_("The DOCX template must be a .docx file"), title=_("Not allowed"))
	if template.output_format != rules.DOCX and template.body_html:
		try:
			get_jenv().from_string(template.body_html)
		except TemplateSyntaxError as exc:
			frappe.flags.disable_traceback = True
			frappe.throw(
				_("Template {0}, line {1}: {2}").format(template.template_name, exc.lineno, exc.message),
				title=_("Template error"),
			)
	keep_approval_honest(template)


# Approval of Sensitive IDs ------------------------------------------------------------------------

APPROVED_BY = "sensitive_ids_approved_by"
APPROVED_ON = "sensitive_ids_approved_on"
APPROVED_DIGEST = "sensitive_ids_digest"
APPROVAL_FIELDS = (APPROVED_BY, APPROVED_ON, APPROVED_DIGEST)


def _docx_xml(content: bytes | None) -> str:
	"""The text of a .docx's parts, where its Jinja tags are."""
	import zipfile

	if not content:
		return ""
	try:
		with zipfile.ZipFile(io.BytesIO(content)) as archive:
			return " ".join(
				archive.read(part).decode(errors="ignore")
				for part in archive.namelist()
				if part.startswith("word/") and part.endswith(".xml")
			)
	except (zipfile.BadZipFile, KeyError):
		return ""


def _docx_content_or_none(template) -> bytes | None:
	if not template.docx_template:
		return None
	try:
		return docx_template_content(template)
	except DocumentError:
		return None


def template_digest(template, docx: bytes | None = None) -> str:
	if docx is None:
		docx = _docx_content_or_none(template)
	return sensitive_rules.content_digest(template.body_html, docx)


def template_approver(template, docx: bytes | None = None) -> str | None:
	"""The viewer whose approval of the template's Sensitive IDs holds for its content now, else
	None. Read from the database: a cached document may predate an approval or a withdrawal."""
	stored = frappe.db.get_value(TEMPLATE, template.name, [APPROVED_BY, APPROVED_DIGEST], as_dict=True)
	if not stored or not stored.get(APPROVED_BY):
		return None
	current = template_digest(template, docx)
	if not sensitive_rules.approval_holds(stored.get(APPROVED_BY), stored.get(APPROVED_DIGEST), current):
		return None
	return stored.get(APPROVED_BY)


def keep_approval_honest(template) -> None:
	"""Validate: the approval is set by `approve_template` only (a form, an import or the REST API
	cannot write it), any edit of the HTML body or the .docx withdraws it, and whether the template
	uses a Sensitive ID is noted for the form."""
	before = None if template.is_new() else template.get_doc_before_save()
	if not template.flags.approving_sensitive_ids:
		for field in APPROVAL_FIELDS:
			template.set(field, before.get(field) if before else None)
	docx = _docx_content_or_none(template)
	template.uses_sensitive_ids = int(sensitive_rules.uses_sensitive_ids(template.body_html, _docx_xml(docx)))
	edited = before is not None and (
		(before.body_html or "") != (template.body_html or "")
		or (before.docx_template or "") != (template.docx_template or "")
	)
	if edited and template.get(APPROVED_BY) and not template.flags.approving_sensitive_ids:
		for field in APPROVAL_FIELDS:
			template.set(field, None)
		template.flags.sensitive_ids_approval_withdrawn = True
		frappe.msgprint(
			_(
				"The template was edited: its approval of Sensitive IDs is withdrawn until a {0} approves it again"
			).format(_(sensitive_ids.VIEWER_ROLE)),
			alert=True,
		)


def on_template_update(template) -> None:
	if template.flags.sensitive_ids_approval_withdrawn:
		template.add_comment("Info", _("Approval of Sensitive IDs withdrawn: the template was edited"))


def approve_template(name: str) -> dict:
	"""A Sensitive Data Viewer approves the template's use of Sensitive IDs as it reads now (the
	caller checked the role and read access). Who and when are kept on the template; the approval
	holds until the HTML body or the .docx changes."""
	template = frappe.get_doc(TEMPLATE, name)
	values = {
		APPROVED_BY: frappe.session.user,
		APPROVED_ON: now_datetime(),
		APPROVED_DIGEST: template_digest(template),
	}
	# Set directly: approving needs the role, not write access to templates; not `modified`, so a
	# form open elsewhere still saves (and keeps the approval unless it edits the content).
	template.db_set(values, update_modified=False)
	template.add_comment("Info", _("Sensitive IDs approved by {0}").format(frappe.session.user))
	frappe.clear_document_cache(TEMPLATE, name)
	return {"name": name, "approved_by": values[APPROVED_BY], "approved_on": values[APPROVED_ON]}


def withdraw_template_approval(name: str) -> dict:
	template = frappe.get_doc(TEMPLATE, name)
	if template.get(APPROVED_BY):
		template.db_set(dict.fromkeys(APPROVAL_FIELDS), update_modified=False)
		template.add_comment(
			"Info", _("Approval of Sensitive IDs withdrawn by {0}").format(frappe.session.user)
		)
		frappe.clear_document_cache(TEMPLATE, name)
	return {"name": name, "approved_by": None}


def preview_html(template, doc) -> str:
	"""The template's HTML body rendered for an order, as a user checks it: a Sensitive ID shows
	as its number only to a viewer previewing an approved template, else masked."""
	approved_by = template_approver(template)
	with sensitive_ids.rendering(
		sensitive_rules.PREVIEW, source=template.name, approved_by=approved_by, order=doc
	):
		return render_html(template.name, template.body_html or "", template_context(doc))


# Delivery -----------------------------------------------------------------------------------------


def document_files(doctype: str, name: str) -> list[dict]:
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": doctype, "attached_to_name": name, "is_folder": 0},
		fields=["name", "file_name", "file_url", "is_private", "creation"],
		order_by="creation asc",
	)


def latest_documents(doc) -> list[dict]:
	"""The files of the newest generation run (version = the order's document version)."""
	files = document_files(doc.doctype, doc.name)
	names = set(rules.documents_of_version([f.file_name for f in files], doc.name, doc.document_version))
	return [f for f in files if f.file_name in names]


def delivery_recipient(customer: str) -> str | None:
	from crm_order_extension.pipelines.calendar import reminder_recipient

	return reminder_recipient(customer) if customer else None


def delivery_message(doc) -> tuple[str, str]:
	"""Subject and HTML body from the Email Template (an admin may edit it; a deleted one falls
	back to a plain text of the app)."""
	context = template_context(doc)
	if frappe.db.exists("Email Template", EMAIL_TEMPLATE):
		template = frappe.get_doc("Email Template", EMAIL_TEMPLATE)
		body = template.response_html if template.use_html else template.response
		return (
			render_html(EMAIL_TEMPLATE, template.subject or "", context),
			render_html(EMAIL_TEMPLATE, body or "", context),
		)
	title = doc.get("entity_name") or doc.get("service_type") or doc.name
	return (
		_("Your documents for {0}").format(title),
		_("Please find the documents of your order {0} attached.").format(doc.name),
	)


def deliver(doc) -> dict:
	"""Queue one email with every latest-version document to the customer's primary contact (a
	Communication on the order's timeline, sent through the Email Queue), then set Delivered."""
	from frappe.core.doctype.communication.email import _make

	recipient = delivery_recipient(doc.customer)
	files = latest_documents(doc)
	rules.check_can_deliver(doc.status, recipient, [f.name for f in files])
	subject, message = delivery_message(doc)
	# The Communication keeps copies of the files: a document holding a Sensitive ID may be copied
	# by the delivery (its copies download for viewers only, like the original).
	with sensitive_documents.system_files():
		communication = _make(
			doctype=doc.doctype,
			name=doc.name,
			subject=subject,
			content=message,
			recipients=[recipient],
			send_email=True,
			# By name and content: a file byte-identical to an earlier version shares its disk
			# file (Frappe deduplicates), and the customer must see this version's name.
			attachments=[
				{"fname": f.file_name, "fcontent": frappe.get_doc("File", f.name).get_content()}
				for f in files
			],
			print_letterhead=False,
		)["name"]
	queue = frappe.db.get_value("Email Queue", {"communication": communication}, "name")
	doc.status = pipeline.DELIVERED
	doc.delivered_to = recipient
	doc.delivery_email_queue = queue
	doc.save()
	return {"communication": communication, "email_queue": queue, "recipient": recipient, "files": len(files)}
