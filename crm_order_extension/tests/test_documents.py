"""Order documents (issue 10): payment → Queued → Processing → Review with real PDF and DOCX files
attached privately, template errors → Failed, revisions as new versions, delivery by email, the
generator hook, and who may download the files (over HTTP).

The generation job runs inline here (frappe.flags[INLINE_FLAG]); the HTTP test commits its order
and removes it again."""

import io
import json
import os
import subprocess
import sys
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from crm_order_extension.api import documents as api
from crm_order_extension.api import pipelines as pipeline_api
from crm_order_extension.pipelines import documents
from crm_order_extension.tests import fiscal_years
from crm_order_extension.tests import fixtures as fx
from crm_order_extension.tests.cleanup import delete_customers, delete_records, delete_users
from crm_order_extension.tests.http_client import Response, api_user
from crm_order_extension.tests.test_pipelines import formation_order

FO = "Formation Order"
LLC_DOCUMENTS = ("Invoice-Summary-Formation", "Operating-Agreement", "SS-4-Cover-Letter")


def extra_generator(order, context):
	"""A generator registered through the hook's site-config key in the tests."""
	assert {"order", "members", "add_ons", "customer", "company"} <= set(context)
	return [("Welcome Note", f"Welcome, {order.entity_name} ({context['customer'].customer_name})", "txt")]


def oversized_generator(order, context):
	"""Runs after the built-in templates: its file is refused at attach time (over the size limit),
	after the other files of the run were attached."""
	from frappe.core.api.file import get_max_file_size

	return [("Too Big", b"x" * (get_max_file_size() + 1), "txt")]


def pdf_text(content: bytes) -> str:
	from pypdf import PdfReader

	text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
	return " ".join(text.split())


def docx_text(content: bytes) -> str:
	from docx import Document

	return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def files_of(order) -> dict[str, "frappe.model.document.Document"]:
	return {
		f.file_name: frappe.get_doc("File", f.name)
		for f in documents.document_files(order.doctype, order.name)
	}


def download(path: str, auth: tuple[str, str] | None) -> tuple[int, bytes]:
	"""GET through Frappe's WSGI app in its own thread (tests/http_client reads text only)."""
	from frappe.app import application
	from werkzeug.test import Client

	site, result = frappe.local.site, {}
	headers = {"Host": site, "X-Frappe-Site-Name": site}
	if auth:
		headers["Authorization"] = f"token {auth[0]}:{auth[1]}"

	def run():
		response = Client(application).get(path, headers=headers)
		result["response"] = (response.status_code, response.get_data())

	thread = threading.Thread(target=run)
	thread.start()
	thread.join(120)
	return result["response"]


class DocumentsTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fiscal_years.cover(cls, nowdate())  # invoices and payments are posted today
		fx.ensure_master_data()
		fx.ensure_service_item()
		cls.customer = fx.make_customer(f"Documents Client {frappe.generate_hash(length=5)}")
		cls.email = f"docs-{frappe.generate_hash(length=6)}@example.com"
		contact = fx.make_contact("Dora", cls.email, cls.customer)
		frappe.db.set_value("Customer", cls.customer, "customer_primary_contact", contact)
		cls.no_email_customer = fx.make_customer(f"Documents No Email {frappe.generate_hash(length=5)}")

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.flags[documents.INLINE_FLAG] = True

	def tearDown(self):
		frappe.flags.pop(documents.INLINE_FLAG, None)
		frappe.local.conf.pop(documents.HOOK, None)
		frappe.set_user("Administrator")

	def paid_formation(self, customer=None, **fields):
		customer = customer or self.customer
		so = fx.make_service_order(customer, "formation")
		order = formation_order(
			customer=customer,
			sales_order=so.name,
			entity_name=fields.pop("entity_name", f"Acme {frappe.generate_hash(length=6)} Holdings"),
			**fields,
		)
		fx.pay_invoice(fx.invoice_order(so))
		order.reload()
		return order

	def advance(self, order, *statuses):
		for status in statuses:
			pipeline_api.advance(order.doctype, order.name, status)
		order.reload()
		return order


class TestGeneration(DocumentsTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("CRM Order Extension Settings", "formation_base_fee", 299)

	def test_payment_generates_private_pdf_and_docx_and_moves_to_review(self):
		order = self.paid_formation()
		self.assertEqual(order.status, "Review")
		self.assertEqual(
			[r.to_status for r in order.status_log], ["Ordered", "Queued", "Processing", "Review"]
		)
		self.assertIn("3 documents generated (version 1)", order.status_log[-1].note)
		self.assertEqual(order.document_version, 1)
		self.assertTrue(order.documents_generated_on)

		files = files_of(order)
		self.assertEqual(
			sorted(files),
			sorted(
				[
					f"{order.name}-Invoice-Summary-Formation-v1.pdf",
					f"{order.name}-Operating-Agreement-v1.docx",
					f"{order.name}-SS-4-Cover-Letter-v1.pdf",
				]
			),
		)
		for file_doc in files.values():
			self.assertTrue(file_doc.is_private, file_doc.file_name)
			self.assertTrue(file_doc.file_url.startswith("/private/files/"), file_doc.file_url)

		invoice = files[f"{order.name}-Invoice-Summary-Formation-v1.pdf"].get_content()
		self.assertTrue(invoice.startswith(b"%PDF"))
		text = pdf_text(invoice)
		self.assertIn(order.entity_name, text)
		self.assertIn("Total $ 498.00", text)  # base fee 299 + EIN 79 + RA 120 (test_pipelines' order)
		self.assertIn(
			order.entity_name, pdf_text(files[f"{order.name}-SS-4-Cover-Letter-v1.pdf"].get_content())
		)

		agreement = docx_text(files[f"{order.name}-Operating-Agreement-v1.docx"].get_content())
		self.assertIn(f"Operating Agreement of {order.entity_name}", agreement)
		self.assertIn("Ann: 60.0% ownership", agreement)
		self.assertIn("Bob: 40.0% ownership", agreement)
		self.assertIn("Delaware", agreement)
		self.assertNotIn("{{", agreement)

	def test_only_matching_templates_run(self):
		# ... and the print styles' modern CSS leaves no cssutils "errors" in the log
		with self.assertNoLogs("CSSUTILS", level="WARNING"):
			order = self.paid_formation(entity_type="Corporation", management_type=None, add_ons=[])
		self.assertEqual(order.status, "Review")
		self.assertEqual(list(files_of(order)), [f"{order.name}-Invoice-Summary-Formation-v1.pdf"])

	def test_compliance_service_gets_its_report_skeleton(self):
		order = frappe.get_doc(
			{
				"doctype": "Compliance Service",
				"customer": self.customer,
				"service_type": "FLSA Audit",
				"intake_data": json.dumps({"employees": 12}),
				"order_total": 450,
			}
		).insert(ignore_permissions=True)
		self.advance(order, "Queued")
		self.assertEqual(order.status, "Review")
		files = files_of(order)
		self.assertEqual(
			sorted(files),
			[f"{order.name}-FLSA-Audit-Report-v1.docx", f"{order.name}-Invoice-Summary-Compliance-v1.pdf"],
		)
		report = docx_text(files[f"{order.name}-FLSA-Audit-Report-v1.docx"].get_content())
		self.assertIn("FLSA Audit Report", report)
		self.assertIn("employees: 12", report)
		self.assertIn("Overtime and minimum wage", report)
		customer_name = frappe.db.get_value("Customer", self.customer, "customer_name")
		self.assertIn(customer_name, report)

	def test_revision_generates_version_2_and_keeps_version_1(self):
		order = self.paid_formation()
		self.advance(order, "Revision", "Processing")
		self.assertEqual((order.status, order.document_version), ("Review", 2))
		names = set(files_of(order))
		for stem in LLC_DOCUMENTS:
			extension = "docx" if stem == "Operating-Agreement" else "pdf"
			self.assertIn(f"{order.name}-{stem}-v1.{extension}", names)
			self.assertIn(f"{order.name}-{stem}-v2.{extension}", names)
		self.assertEqual(len(names), 6)
		self.assertEqual(
			sorted(f.file_name for f in documents.latest_documents(order)),
			sorted(n for n in names if "-v2." in n),
		)
		listed = api.list_documents(FO, order.name)["documents"]
		self.assertEqual(
			sorted((row["file_name"], row["version"], row["latest"]) for row in listed),
			sorted((n, 2 if "-v2." in n else 1, "-v2." in n) for n in names),
		)


class TestFailures(DocumentsTestCase):
	def broken_template(self, body: str) -> str:
		name = f"COE Broken {frappe.generate_hash(length=5)}"
		frappe.get_doc(
			{
				"doctype": "Document Template",
				"template_name": name,
				"pipeline_doctype": FO,
				"output_format": "PDF",
				"body_html": body,
			}
		).insert()
		return name

	def test_template_error_fails_the_order_with_template_and_line(self):
		name = self.broken_template(
			"<p>{{ order.entity_name }}</p>\n<p>{{ order.no_such_field.deeper.deepest }}</p>"
		)
		order = self.paid_formation()
		self.assertEqual(order.status, "Failed")
		last = order.status_log[-1]
		self.assertEqual((last.from_status, last.to_status), ("Processing", "Failed"))
		self.assertTrue(last.note.startswith(f"Template {name}, line 2: "), last.note)
		self.assertIn("has no attribute", last.note)
		self.assertEqual(files_of(order), {})
		self.assertEqual(order.document_version, 0)
		self.assertTrue(
			frappe.db.exists("Error Log", {"reference_doctype": FO, "reference_name": order.name})
		)

		# Fixed, then re-run from Failed with "Generate Documents".
		frappe.db.set_value("Document Template", name, "enabled", 0)
		result = api.generate(FO, order.name)
		self.assertEqual(result["status"], "Review")
		order.reload()
		self.assertEqual(order.document_version, 1)
		self.assertEqual(len(files_of(order)), 3)

	def test_syntax_error_is_refused_when_the_template_is_saved(self):
		with self.assertRaises(frappe.ValidationError) as err:
			self.broken_template("<p>ok</p>\n<p>{% if order.entity_name %}</p>\n{{ order.name + }}")
		self.assertIn(", line 3: ", str(err.exception))

	def test_a_failing_run_attaches_nothing(self):
		frappe.local.conf[documents.HOOK] = {"*": [f"{__name__}.oversized_generator"]}
		order = self.paid_formation()
		self.assertEqual(order.status, "Failed")
		self.assertIn("File size exceeded", order.status_log[-1].note)
		self.assertEqual(files_of(order), {})  # the three built-in files of the run went too

	def test_generate_is_refused_outside_its_statuses(self):
		order = self.paid_formation()
		with self.assertRaises(frappe.ValidationError) as err:
			api.generate(FO, order.name)
		self.assertIn("not Review", str(err.exception))


class TestGeneratorHook(DocumentsTestCase):
	def test_a_hooked_generator_adds_its_documents(self):
		frappe.local.conf[documents.HOOK] = {"Formation": [f"{__name__}.extra_generator"]}
		order = self.paid_formation()
		self.assertEqual(order.status, "Review")
		files = files_of(order)
		note = files[f"{order.name}-Welcome-Note-v1.txt"]
		self.assertTrue(note.is_private)
		content = note.get_content()
		self.assertIn(order.entity_name, content if isinstance(content, str) else content.decode())
		self.assertEqual(len(files), 4)  # the built-in templates still run

	def test_keys_select_the_generators(self):
		frappe.local.conf[documents.HOOK] = {"CCPA Audit": [f"{__name__}.extra_generator"]}
		order = self.paid_formation()
		self.assertEqual(len(files_of(order)), 3)


class TestWorkerStart(FrappeTestCase):
	"""`bench worker` loads every app's commands before it starts; each job is a fork of that
	process, so the renderer warmed there is warm in every generation job."""

	PRELOADED = ("docxtpl", "frappe.utils.pdf", "frappe.www.printview")

	def loaded_by(self, *argv: str) -> list[str]:
		code = (
			"import sys\n"
			f"sys.argv = {['bench_helper', 'frappe', *argv]!r}\n"
			"from frappe.utils.bench_helper import get_app_groups\n"
			"get_app_groups()\n"
			f"print('loaded:' + ','.join(m for m in {self.PRELOADED!r} if m in sys.modules))\n"
		)
		done = subprocess.run(
			[sys.executable, "-c", code],
			cwd=os.path.abspath(frappe.local.sites_path),
			capture_output=True,
			text=True,
			timeout=120,
		)
		self.assertEqual(done.returncode, 0, done.stderr[-2000:])
		line = next(x for x in done.stdout.splitlines() if x.startswith("loaded:"))
		return [m for m in line.removeprefix("loaded:").split(",") if m]

	def test_a_worker_process_starts_with_the_renderer_loaded(self):
		self.assertEqual(self.loaded_by("worker", "--queue", "long"), list(self.PRELOADED))
		self.assertEqual(self.loaded_by("worker-pool", "--num-workers", "2"), list(self.PRELOADED))

	def test_other_commands_do_not_pay_for_it(self):
		self.assertNotIn("docxtpl", self.loaded_by("migrate"))


class TestDelivery(DocumentsTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fx.ensure_outgoing_email_account()  # not committed: rolled back with the class

	def ready(self, order):
		order.db_set("filing_number", "DE-7788", update_modified=False)
		return self.advance(order, "Approved", "Ready")

	def test_deliver_emails_the_latest_documents_and_sets_delivered(self):
		order = self.paid_formation()
		self.advance(order, "Revision", "Processing")
		self.ready(order)
		result = api.deliver(FO, order.name)
		order.reload()
		self.assertEqual(order.status, "Delivered")
		self.assertEqual(order.delivered_to, self.email)
		self.assertEqual((result["recipient"], result["files"]), (self.email, 3))

		queue = frappe.get_doc("Email Queue", order.delivery_email_queue)
		self.assertEqual((queue.reference_doctype, queue.reference_name), (FO, order.name))
		self.assertEqual([r.recipient for r in queue.recipients], [self.email])
		communication = frappe.get_doc(
			"Communication",
			{"reference_doctype": FO, "reference_name": order.name, "communication_medium": "Email"},
		)
		self.assertIn(order.entity_name, communication.subject)
		self.assertEqual(queue.communication, communication.name)
		attached = [frappe.db.get_value("File", a["fid"], "file_name") for a in json.loads(queue.attachments)]
		self.assertEqual(sorted(attached), sorted(f.file_name for f in documents.latest_documents(order)))
		self.assertTrue(all("-v2." in name for name in attached), attached)
		# Its Email Queue status is shown on the order.
		self.assertEqual(frappe.get_doc(FO, order.name).as_dict()["delivery_status"], "Not Sent")
		frappe.db.set_value("Email Queue", queue.name, "status", "Error")
		self.assertEqual(frappe.get_doc(FO, order.name).as_dict()["delivery_status"], "Error")

	def test_no_contact_email_keeps_the_order_ready(self):
		order = self.ready(self.paid_formation(customer=self.no_email_customer))
		with self.assertRaises(frappe.ValidationError) as err:
			api.deliver(FO, order.name)
		self.assertIn("no contact email", str(err.exception))
		order.reload()
		self.assertEqual(order.status, "Ready")
		self.assertFalse(frappe.db.exists("Email Queue", {"reference_name": order.name}))

	def test_only_ready_orders_are_delivered(self):
		order = self.paid_formation()
		with self.assertRaises(frappe.ValidationError) as err:
			api.deliver(FO, order.name)
		self.assertIn("Ready", str(err.exception))


class TestDownloads(DocumentsTestCase):
	"""Private files follow the order's read permission: the admin and the referring Sales Agent
	download them, another agent and a user without roles get 403 (real HTTP requests)."""

	USERS = ("coe-docs-agent@example.com", "coe-docs-other-agent@example.com", "coe-docs-nobody@example.com")

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.auth_agent = api_user(cls.USERS[0], ["Sales Agent"])
		cls.auth_other = api_user(cls.USERS[1], ["Sales Agent"])
		cls.auth_nobody = api_user(cls.USERS[2], [])
		cls.auth_ops = api_user("coe-docs-ops@example.com", ["Operations"])
		cls.agent = fx.make_agent("Docs Agent", user=cls.USERS[0])
		cls.other_agent = fx.make_agent("Docs Other Agent", user=cls.USERS[1])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_customers([cls.customer, cls.no_email_customer])
		delete_records([("Sales Agent", cls.agent.name), ("Sales Agent", cls.other_agent.name)])
		delete_users([*cls.USERS, "coe-docs-ops@example.com"])
		frappe.db.commit()
		super().tearDownClass()

	def test_only_readers_of_the_order_download_its_documents(self):
		order = self.paid_formation(referral_code=self.agent.referral_code)
		self.assertEqual(order.status, "Review")
		frappe.db.commit()
		files = files_of(order)
		self.assertEqual(len(files), 3)
		for file_doc in files.values():
			status, body = download(file_doc.file_url, self.auth_agent)
			self.assertEqual(status, 200, file_doc.file_name)
			self.assertEqual(body, file_doc.get_content())
			self.assertEqual(download(file_doc.file_url, self.auth_ops)[0], 200)
			self.assertEqual(download(file_doc.file_url, self.auth_other)[0], 403)
			self.assertEqual(download(file_doc.file_url, self.auth_nobody)[0], 403)
			self.assertEqual(download(file_doc.file_url, None)[0], 403)

		# Operations re-runs it over HTTP; an agent may not.
		from crm_order_extension.tests.http_client import request

		path = "/api/method/crm_order_extension.api.documents.generate"
		denied = request("POST", path, {"doctype": FO, "name": order.name}, auth=self.auth_agent)
		self.assertEqual(denied.status, 403)
		refused = request("POST", path, {"doctype": FO, "name": order.name}, auth=self.auth_ops)
		self.assertEqual(refused.status, 400)  # Review: nothing to re-run
		self.assertIn("not Review", " ".join(refused.messages()))


class TestSensitiveDocuments(DocumentsTestCase):
	"""A Sensitive ID reaches a document only through a template a Sensitive Data Viewer approved,
	and such a document downloads for viewers only (issue 15, item 4). The shipped EIN letter,
	approved by a viewer over HTTP, generated by the job (which is no viewer), and every way an
	Operations user, an Order Reviewer and the referring Sales Agent might get at it."""

	EIN, EIN_DIGITS = "27-1948365", "271948365"
	LETTER = "EIN Confirmation Letter"
	OPS = "coe-sdoc-ops@example.com"
	REVIEWER = "coe-sdoc-reviewer@example.com"
	VIEWER = "coe-sdoc-viewer@example.com"
	AGENT = "coe-sdoc-agent@example.com"
	USERS = (OPS, REVIEWER, VIEWER, AGENT)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from frappe.utils import now_datetime

		cls.started = now_datetime()
		cls.auth = {
			cls.OPS: api_user(cls.OPS, ["Operations"]),
			cls.REVIEWER: api_user(cls.REVIEWER, ["Order Reviewer"]),
			# a viewer who may read the orders (to download their documents)
			cls.VIEWER: api_user(cls.VIEWER, ["Sensitive Data Viewer", "Order Reviewer"]),
			cls.AGENT: api_user(cls.AGENT, ["Sales Agent"]),
		}
		cls.agent = fx.make_agent("Sensitive Docs Agent", user=cls.AGENT)
		cls.entity = f"Ein Letter {frappe.generate_hash(length=6)} Holdings"
		cls.ein = (
			frappe.get_doc(
				{
					"doctype": "Sensitive ID",
					"customer": cls.customer,
					"id_type": "EIN",
					"id_value": cls.EIN,
					"entity_name": cls.entity,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		cls.approval = frappe.db.get_value(
			"Document Template", cls.LETTER, list(documents.APPROVAL_FIELDS), as_dict=True
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		from crm_order_extension.tests.test_sensitive_ids import delete_sensitive_ids

		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.db.set_value("Document Template", cls.LETTER, cls.approval, update_modified=False)
		frappe.db.delete(
			"Comment",
			{
				"reference_doctype": "Document Template",
				"reference_name": cls.LETTER,
				"creation": (">=", cls.started),
			},
		)
		delete_customers([cls.customer, cls.no_email_customer])
		delete_sensitive_ids([cls.customer], cls.started)
		delete_records([("Sales Agent", cls.agent.name)])
		delete_users(cls.USERS)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		from frappe.utils import now_datetime

		frappe.db.rollback()  # a test commits for its HTTP requests: none may commit another's changes
		super().setUp()
		self.test_started = now_datetime()

	def tearDown(self):
		super().tearDown()
		frappe.db.rollback()
		frappe.db.set_value("Document Template", self.LETTER, self.approval, update_modified=False)
		frappe.db.commit()

	def approve(self, user: str | None = None):
		frappe.set_user(user or self.VIEWER)
		try:
			return api.approve_sensitive_ids(self.LETTER)
		finally:
			frappe.set_user("Administrator")

	def letter_of(self, order):
		return files_of(order).get(f"{order.name}-EIN-Confirmation-Letter-v{order.document_version}.pdf")

	def document_logs(self) -> list[dict]:
		"""The test's disclosures of the EIN for a document."""
		return frappe.get_all(
			"Access Log",
			filters={
				"export_from": "Sensitive ID",
				"reference_document": self.ein,
				"method": "Document",
				"creation": (">=", self.test_started),
			},
			fields=["user", "filters"],
		)

	def test_an_unapproved_template_puts_no_number_in_a_document(self):
		"""The job renders as whoever triggered it (here Administrator, who holds every role): the
		approval, not the user, is what lets it use the number."""
		order = self.paid_formation(entity_name=self.entity)
		self.assertEqual(order.status, "Failed")
		note = order.status_log[-1].note
		self.assertTrue(note.startswith(f"Template {self.LETTER}, line 1: "), note)
		self.assertIn("no Sensitive Data Viewer has approved it", note)
		self.assertNotIn(self.EIN_DIGITS[-4:], note)
		self.assertEqual(files_of(order), {})
		self.assertEqual(self.document_logs(), [])

	def test_without_the_ein_on_file_the_letter_is_not_made(self):
		self.approve()
		order = self.paid_formation()  # another entity: no EIN on file for it
		self.assertEqual(order.status, "Review")
		self.assertEqual(
			sorted(files_of(order)),
			sorted(
				f"{order.name}-{s}-v1.{'docx' if s == 'Operating-Agreement' else 'pdf'}"
				for s in LLC_DOCUMENTS
			),
		)

	def test_only_a_viewer_approves_and_any_edit_withdraws_it(self):
		with self.assertRaises(frappe.PermissionError):
			self.approve(self.OPS)
		approval = self.approve()
		self.assertEqual(approval["approved_by"], self.VIEWER)
		template = frappe.get_doc("Document Template", self.LETTER)
		self.assertEqual((template.sensitive_ids_approved_by, template.uses_sensitive_ids), (self.VIEWER, 1))
		self.assertTrue(template.sensitive_ids_approved_on)
		self.assertEqual(documents.template_approver(template), self.VIEWER)

		# An Operations user saves the form unchanged: the approval stays; forging it is ignored.
		frappe.set_user(self.OPS)
		try:
			template.description = "Sent once the IRS has assigned the EIN"
			template.save()
			self.assertEqual(
				frappe.db.get_value("Document Template", self.LETTER, "sensitive_ids_approved_by"),
				self.VIEWER,
			)
			template.body_html += "\n<p>{{ sensitive_id(order.customer, 'SSN', purpose='more') }}</p>"
			template.save()
		finally:
			frappe.set_user("Administrator")
		self.assertIsNone(frappe.db.get_value("Document Template", self.LETTER, "sensitive_ids_approved_by"))
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{"reference_name": self.LETTER, "content": ("like", "%withdrawn: the template was edited%")},
			)
		)
		frappe.set_user(self.OPS)
		try:
			template.reload()
			template.sensitive_ids_approved_by = self.VIEWER
			template.sensitive_ids_approved_on = template.modified
			template.sensitive_ids_digest = documents.template_digest(template)
			template.save()
		finally:
			frappe.set_user("Administrator")
		self.assertIsNone(frappe.db.get_value("Document Template", self.LETTER, "sensitive_ids_approved_by"))
		self.assertIsNone(documents.template_approver(template))
		# A change the form did not make (the stored body edited directly) breaks the approval too.
		self.approve()
		frappe.db.set_value(
			"Document Template", self.LETTER, "body_html", template.body_html + " ", update_modified=False
		)
		self.assertIsNone(documents.template_approver(frappe.get_doc("Document Template", self.LETTER)))

	def test_templates_and_helpers_give_the_number_to_viewers_only(self):
		"""Jinja outside a generation job (print formats, web pages, server code) and the preview."""
		from crm_order_extension.pipelines import sensitive_ids

		source = "{{ sensitive_id(c, 'EIN', e, purpose='check') }}|{{ reveal_for_document(c, 'EIN', e, purpose='check') }}"
		context = {"c": self.customer, "e": self.entity}
		for user in (self.OPS, self.REVIEWER, self.AGENT, "Guest"):
			frappe.set_user(user)
			try:
				for helper in source.split("|"):
					with self.assertRaises(frappe.PermissionError, msg=(user, helper)):
						frappe.render_template(helper, context)
				with self.assertRaises(frappe.PermissionError):
					sensitive_ids.reveal_for_document(self.customer, "EIN", self.entity, purpose="check")
			finally:
				frappe.set_user("Administrator")
		self.assertEqual(self.document_logs(), [])
		frappe.set_user(self.VIEWER)
		try:
			self.assertEqual(frappe.render_template(source, context), f"{self.EIN}|{self.EIN}")
		finally:
			frappe.set_user("Administrator")
		self.assertEqual({log.user for log in self.document_logs()}, {self.VIEWER})
		# Nothing on file: the default, and nothing disclosed
		self.assertEqual(
			sensitive_ids.reveal_for_document(self.customer, "SSN", purpose="check", default="n/a"), "n/a"
		)

	def test_the_preview_masks_unless_a_viewer_previews_an_approved_template(self):
		from crm_order_extension.tests.http_client import request

		order = formation_order(customer=self.customer, entity_name=self.entity)
		frappe.db.commit()
		path = "/api/method/crm_order_extension.api.documents.preview"
		args = {"template": self.LETTER, "doctype": FO, "name": order.name}

		def html(user):
			response = request("POST", path, args, auth=self.auth[user])
			self.assertEqual(response.status, 200, (user, response.body[:300]))
			return response.json()["message"]["html"]

		self.assertIn("**-***8365", html(self.VIEWER))  # not approved yet
		self.approve()
		frappe.db.commit()
		self.assertIn(self.EIN, html(self.VIEWER))
		frappe.db.rollback()
		self.assertEqual(len(self.document_logs()), 1)
		for user in (self.OPS, self.REVIEWER):
			body = html(user)
			self.assertIn("**-***8365", body)
			self.assertNotIn(self.EIN_DIGITS[2:], body.replace("-", ""))
		# no read access to the template
		self.assertEqual(request("POST", path, args, auth=self.auth[self.AGENT]).status, 403)
		self.assertEqual(len(self.document_logs()), 1)

	def test_a_generator_of_another_app_cannot_read_a_sensitive_id(self):
		self.approve()  # the EIN letter may use it; the generator may not
		frappe.local.conf[documents.HOOK] = {"Formation": [f"{__name__}.sensitive_generator"]}
		order = self.paid_formation(entity_name=self.entity)
		self.assertEqual(order.status, "Failed")
		self.assertIn("sensitive_generator uses a Sensitive ID", order.status_log[-1].note)

	def test_the_approved_letter_carries_the_ein_and_downloads_for_viewers_only(self):
		from crm_order_extension.tests.http_client import request

		approve = "/api/method/crm_order_extension.api.documents.approve_sensitive_ids"
		for user in (self.OPS, self.REVIEWER, self.AGENT):
			self.assertEqual(
				request("POST", approve, {"template": self.LETTER}, auth=self.auth[user]).status, 403
			)
		response = request("POST", approve, {"template": self.LETTER}, auth=self.auth[self.VIEWER])
		self.assertEqual(response.status, 200, response.body[:300])
		frappe.db.rollback()

		order = self.paid_formation(entity_name=self.entity, referral_code=self.agent.referral_code)
		self.assertEqual(order.status, "Review", order.status_log[-1].note)
		letter = self.letter_of(order)
		self.assertIsNotNone(letter, list(files_of(order)))
		self.assertTrue(letter.is_private)
		text = pdf_text(letter.get_content())
		self.assertIn(f"{self.entity} the Employer Identification Number", text)
		self.assertIn(self.EIN, "".join(text.split()))  # the PDF's text may break the line after "27-"
		[registered] = frappe.get_all(
			"Sensitive Document",
			filters={"reference_doctype": FO, "reference_name": order.name},
			fields=["file", "content_hash", "source", "sensitive_ids"],
		)
		self.assertEqual(
			(registered.file, registered.content_hash, registered.source, registered.sensitive_ids),
			(letter.name, letter.content_hash, self.LETTER, self.ein),
		)
		[log] = self.document_logs()
		self.assertEqual(
			{k: v for k, v in json.loads(log.filters).items() if k in ("template", "approved_by", "order")},
			{"template": self.LETTER, "approved_by": self.VIEWER, "order": f"{FO} {order.name}"},
		)
		frappe.db.commit()

		# Downloads: the letter for viewers only; the order's other documents as before.
		status, body = download(letter.file_url, self.auth[self.VIEWER])
		self.assertEqual((status, body), (200, letter.get_content()))
		for user in (self.OPS, self.REVIEWER, self.AGENT):
			self.assertEqual(download(letter.file_url, self.auth[user])[0], 403, user)
			self.assertEqual(download(f"{letter.file_url}?fid={letter.name}", self.auth[user])[0], 403, user)
			self.assertEqual(
				download(
					f"/api/method/frappe.handler.download_file?file_url={letter.file_url}", self.auth[user]
				)[0],
				403,
				user,
			)
			zipped = request(
				"POST",
				"/api/method/frappe.core.api.file.zip_files",
				{"files": json.dumps([letter.name])},
				auth=self.auth[user],
			)
			self.assertEqual(zipped.status, 403, (user, zipped.body[:200]))
		self.assertEqual(download(letter.file_url, None)[0], 403)
		invoice = files_of(order)[f"{order.name}-Invoice-Summary-Formation-v1.pdf"]
		for user in (self.OPS, self.REVIEWER, self.AGENT, self.VIEWER):
			self.assertEqual(download(invoice.file_url, self.auth[user])[0], 200, user)

		# No copy of it for a non-viewer: attached elsewhere (by URL or by Frappe's add_attachments)
		# or made public.
		copy = {"doctype": "File", "file_url": letter.file_url, "is_private": 1}  # a File of one's own
		frappe.set_user(self.OPS)
		try:
			with self.assertRaises(frappe.PermissionError) as err:
				frappe.get_doc(copy).insert()
			self.assertIn("only users with the Sensitive Data Viewer role may attach it", str(err.exception))
			from frappe.utils.file_manager import add_attachments

			with self.assertRaises(frappe.PermissionError) as err:
				add_attachments(FO, order.name, [letter.name])  # whitelisted; copies any File by name
			self.assertIn("only users with the Sensitive Data Viewer role may attach it", str(err.exception))
			public = frappe.get_doc("File", letter.name)
			public.is_private = 0
			with self.assertRaises(frappe.PermissionError) as err:
				public.save()
			self.assertIn("it stays private", str(err.exception))
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(frappe.db.get_value("File", letter.name, "is_private"))
		frappe.set_user(self.VIEWER)
		try:
			viewer_copy = frappe.get_doc(copy).insert(ignore_permissions=True)
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(viewer_copy.content_hash, letter.content_hash)

		# The registration goes with the last file of its content.
		frappe.delete_doc("File", viewer_copy.name, ignore_permissions=True)
		self.assertTrue(frappe.db.exists("Sensitive Document", {"content_hash": letter.content_hash}))
		frappe.delete_doc("File", letter.name, ignore_permissions=True)
		self.assertFalse(frappe.db.exists("Sensitive Document", {"content_hash": letter.content_hash}))


def sensitive_generator(order, context):
	"""A generator of another app that tries to read a Sensitive ID."""
	from crm_order_extension.pipelines.sensitive_ids import reveal_for_document

	return [
		("EIN", reveal_for_document(order.customer, "EIN", order.entity_name, purpose="generator"), "txt")
	]
