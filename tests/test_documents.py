import pytest

from crm_order_extension.core import documents as d
from crm_order_extension.core.errors import RuleError

FO, CS = "Formation Order", "Compliance Service"
LLC_EIN = d.order_facts(FO, entity_type="LLC", add_ons=["EIN", "Registered Agent"])
CORP = d.order_facts(FO, entity_type="Corporation")
CCPA = d.order_facts(CS, service_type="CCPA Audit")

TEMPLATES = [
	{"name": "Operating Agreement", "pipeline_doctype": FO, "conditions": [(d.ENTITY_TYPE, "LLC")]},
	{"name": "SS-4 Cover Letter", "pipeline_doctype": FO, "conditions": [(d.ADD_ON, "EIN")]},
	{"name": "Invoice Summary (Formation)", "pipeline_doctype": FO, "conditions": []},
	{"name": "Invoice Summary (Compliance)", "pipeline_doctype": CS, "conditions": []},
	{"name": "CCPA Audit Report", "pipeline_doctype": CS, "conditions": [(d.SERVICE_TYPE, "CCPA Audit")]},
	{"name": "Bylaws", "pipeline_doctype": FO, "conditions": [(d.ENTITY_TYPE, "Corporation")]},
	{"name": "Disabled", "pipeline_doctype": FO, "conditions": [], "enabled": 0},
]


def test_matching_follows_doctype_entity_type_add_ons_and_service_type():
	assert d.matching_templates(TEMPLATES, LLC_EIN) == [
		"Operating Agreement",
		"SS-4 Cover Letter",
		"Invoice Summary (Formation)",
	]
	assert d.matching_templates(TEMPLATES, CORP) == ["Invoice Summary (Formation)", "Bylaws"]
	assert d.matching_templates(TEMPLATES, CCPA) == ["Invoice Summary (Compliance)", "CCPA Audit Report"]
	assert d.matching_templates(TEMPLATES, d.order_facts(CS, service_type="FLSA Audit")) == [
		"Invoice Summary (Compliance)"
	]


def test_or_within_a_kind_and_across_kinds():
	conditions = [(d.ENTITY_TYPE, "LLC"), (d.ENTITY_TYPE, "Corporation"), (d.ADD_ON, "EIN")]
	assert d.template_applies(FO, conditions, LLC_EIN)
	assert not d.template_applies(FO, conditions, CORP)  # no EIN
	assert d.template_applies(FO, conditions, d.order_facts(FO, "Corporation", add_ons=["EIN"]))
	assert not d.template_applies(CS, [], LLC_EIN)  # another pipeline


def test_validate_template():
	d.validate_template(FO, d.PDF, [(d.ENTITY_TYPE, "LLC"), (d.ADD_ON, "EIN")], True, False)
	d.validate_template(CS, d.DOCX, [(d.SERVICE_TYPE, "FLSA Audit")], False, True)
	bad = [
		(None, d.PDF, [], True, False, "order type"),
		(FO, "XLS", [], True, False, "output format"),
		(FO, d.PDF, [], False, True, "HTML body"),
		(FO, d.PDF_AND_DOCX, [], True, False, ".docx"),
		(FO, d.PDF, [(d.SERVICE_TYPE, "FLSA Audit")], True, False, "only applies to a Compliance Service"),
		(CS, d.PDF, [(d.ENTITY_TYPE, "LLC")], True, False, "only applies to a Formation Order"),
		(FO, d.PDF, [(d.ENTITY_TYPE, "LLP")], True, False, "LLP is not a valid"),
		(FO, d.PDF, [(d.ADD_ON, "EIN"), (d.ADD_ON, "EIN")], True, False, "listed twice"),
		(FO, d.PDF, [("Colour", "red")], True, False, "unknown condition"),
	]
	for doctype, fmt, conditions, html, docx, fragment in bad:
		with pytest.raises(RuleError) as err:
			d.validate_template(doctype, fmt, conditions, html, docx)
		assert fragment in str(err.value)


def test_outputs_of():
	assert d.outputs_of(d.PDF) == ("pdf",)
	assert d.outputs_of(d.PDF_AND_DOCX) == ("pdf", "docx")


def test_generator_keys_and_lookup():
	assert d.generator_keys(FO) == ("*", FO, "Formation")
	assert d.generator_keys(CS, "CCPA Audit") == ("*", CS, "CCPA Audit")
	hooks = {"*": ["app.render"], "Formation": ["x.oa", "app.render"], "CCPA Audit": "y.ccpa"}
	site = {"*": ["site.extra"], FO: ["z.fo"]}
	assert d.generators_for([hooks, site], d.generator_keys(FO)) == [
		"app.render",
		"x.oa",
		"site.extra",
		"z.fo",
	]
	assert d.generators_for([hooks, None], d.generator_keys(CS, "CCPA Audit")) == ["app.render", "y.ccpa"]


def test_normalize_outputs():
	assert d.normalize_outputs(None, "g") == []
	assert d.normalize_outputs([("Cover letter!", "text", ".TXT")], "g") == [("Cover-letter", b"text", "txt")]
	for bad, fragment in [
		("nope", "must return a list"),
		([("a", b"x")], "expected (name, content, extension)"),
		([("", b"x", "pdf")], "without a name"),
		([("a", b"", "pdf")], "no content"),
		([("a", b"x", "p d f")], "invalid file extension"),
	]:
		with pytest.raises(RuleError) as err:
			d.normalize_outputs(bad, "g")
		assert fragment in str(err.value)
	with pytest.raises(RuleError):
		d.check_unique_outputs([("a", b"1", "pdf"), ("A", b"2", "pdf")])
	d.check_unique_outputs([("a", b"1", "pdf"), ("a", b"2", "docx")])


def test_file_names_and_versions():
	name = d.file_name("FO-2026-0001", "Operating Agreement (LLC)", 2, "docx")
	assert name == "FO-2026-0001-Operating-Agreement-LLC-v2.docx"
	assert d.next_version(None) == 1 and d.next_version(3) == 4
	names = [
		"FO-1-A-v1.pdf",
		"FO-1-B-v1.docx",
		"FO-1-A-v2.pdf",
		"FO-1-B-v2a1b2c3.docx",  # Frappe's suffix for a name taken on disk
		"FO-1-C-v12.pdf",
		"FO-12-A-v2.pdf",
		"other.pdf",
	]
	assert d.documents_of_version(names, "FO-1", 2) == ["FO-1-A-v2.pdf", "FO-1-B-v2a1b2c3.docx"]
	assert d.documents_of_version(names, "FO-1", 1) == ["FO-1-A-v1.pdf", "FO-1-B-v1.docx"]
	assert d.documents_of_version(names, "FO-1", 12) == ["FO-1-C-v12.pdf"]
	assert d.documents_of_version(names, "FO-1", 0) == []
	assert d.versions_of(names, "FO-1", 12) == {
		"FO-1-A-v1.pdf": 1,
		"FO-1-B-v1.docx": 1,
		"FO-1-A-v2.pdf": 2,
		"FO-1-B-v2a1b2c3.docx": 2,
		"FO-1-C-v12.pdf": 12,
	}
	assert d.versions_of(names, "FO-1", 1) == {"FO-1-A-v1.pdf": 1, "FO-1-B-v1.docx": 1}
	assert d.versions_of(names, "FO-1", None) == {}
	# Frappe's suffix may be all digits: "-v1" + "123456" is version 1, not 1123456
	assert d.versions_of(["FO-1-A-v1123456.pdf"], "FO-1", 3) == {"FO-1-A-v1123456.pdf": 1}
	assert d.safe_stem("  ../etc/passwd ") == "etc-passwd"


def test_generation_trigger():
	assert d.generation_trigger("Ordered", "Queued", False)
	assert d.generation_trigger("Failed", "Queued", False)
	assert d.generation_trigger("Revision", "Processing", False)
	assert not d.generation_trigger("Queued", "Processing", False)
	assert not d.generation_trigger("Queued", "Processing", True)
	assert not d.generation_trigger("Ordered", "Queued", True)
	assert not d.generation_trigger("Queued", "Queued", False)
	assert not d.generation_trigger("Review", "Approved", False)


def test_regenerate_and_deliver_checks():
	for status in ("Processing", "Failed", "Queued"):
		d.check_can_regenerate(status)
	with pytest.raises(RuleError):
		d.check_can_regenerate("Review")
	d.check_can_deliver("Ready", "a@example.com", ["x.pdf"])
	for args, fragment in [
		(("Approved", "a@example.com", ["x.pdf"]), "Only an order in status Ready"),
		(("Ready", None, ["x.pdf"]), "no contact email"),
		(("Ready", "a@example.com", []), "no generated documents"),
	]:
		with pytest.raises(RuleError) as err:
			d.check_can_deliver(*args)
		assert fragment in str(err.value)


def test_error_message():
	assert d.error_message("Invoice", 3, "'x' is undefined") == "Template Invoice, line 3: 'x' is undefined"
	assert d.error_message("Invoice", None, "boom\n  more") == "Template Invoice: boom more"


def test_template_error_line_with_jinja():
	jinja2 = pytest.importorskip("jinja2")
	env = jinja2.Environment(undefined=jinja2.StrictUndefined)
	with pytest.raises(jinja2.TemplateSyntaxError) as err:
		env.from_string("line 1\nline 2\n{{ x + }}\n")
	assert d.template_error_line(err.value) == 3
	template = env.from_string("a\nb\n{{ order.missing.deeper }}\n")
	with pytest.raises(jinja2.UndefinedError) as err:
		template.render(order={})
	assert d.template_error_line(err.value) == 3


def test_template_error_line_without_a_line():
	assert d.template_error_line(ValueError("x")) is None
