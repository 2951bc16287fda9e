"""Who gets a Sensitive ID from a template, when an approval holds, and which requests download a
file (issue 15, item 4)."""

import pytest

from crm_order_extension.core import sensitive_documents as sd
from crm_order_extension.core.sensitive_documents import (
	DIRECT,
	GENERATION,
	MASK,
	PREVIEW,
	VALUE,
	NotPermitted,
)

EIN_LETTER = '{{ sensitive_id(order.customer, "EIN", order.entity_name, purpose="EIN letter") }}'


def test_templates_using_the_helpers_are_recognised():
	assert sd.uses_sensitive_ids(EIN_LETTER)
	assert sd.uses_sensitive_ids(None, "<w:t>{{ reveal_for_document(c, 'SSN', purpose='W-9') }}</w:t>")
	assert not sd.uses_sensitive_ids("<p>{{ order.entity_name }}</p>", None, "")
	assert not sd.uses_sensitive_ids("{{ insensitive_identifier }}")


def test_any_edit_of_the_body_or_the_docx_changes_the_digest():
	approved = sd.content_digest(EIN_LETTER, b"PK docx")
	assert sd.content_digest(EIN_LETTER, b"PK docx") == approved
	for body, docx in (
		(EIN_LETTER + " ", b"PK docx"),
		(EIN_LETTER, b"PK docx2"),
		(EIN_LETTER, None),
		("", None),
	):
		assert sd.content_digest(body, docx) != approved
	assert sd.content_digest(None, None) == sd.content_digest("", b"")


def test_an_approval_holds_for_the_approved_content_only():
	digest = sd.content_digest(EIN_LETTER)
	assert sd.approval_holds("viewer@example.com", digest, digest)
	assert not sd.approval_holds("viewer@example.com", digest, sd.content_digest(EIN_LETTER + "x"))
	assert not sd.approval_holds(None, digest, digest)
	assert not sd.approval_holds("viewer@example.com", None, digest)


def test_generation_needs_the_templates_approval_not_a_viewer():
	approved = dict(source="EIN Letter", template_approved=True, order_customer="Acme", customer="Acme")
	# the job's user does not matter: the approval authorises it
	assert sd.disclosure(GENERATION, is_viewer=False, can_read_record=False, **approved) == VALUE
	with pytest.raises(NotPermitted) as err:
		sd.disclosure(
			GENERATION, is_viewer=True, can_read_record=True, **{**approved, "template_approved": False}
		)
	assert "EIN Letter uses a Sensitive ID" in str(err.value)
	assert "approve the template first" in str(err.value)
	with pytest.raises(NotPermitted) as err:
		sd.disclosure(GENERATION, is_viewer=True, can_read_record=True, **{**approved, "customer": "Other"})
	assert "order's customer only, not of Other" in str(err.value)
	# a generator of another app has no template to approve
	with pytest.raises(NotPermitted):
		sd.disclosure(GENERATION, is_viewer=True, can_read_record=True, source=None, template_approved=True)


@pytest.mark.parametrize(
	"is_viewer,can_read,approved,expected",
	[
		(True, True, True, VALUE),
		(True, True, False, MASK),  # an unapproved template may send what it reads elsewhere
		(True, False, True, MASK),
		(False, True, True, MASK),
		(False, False, False, MASK),
	],
)
def test_a_preview_masks_unless_a_viewer_previews_an_approved_template(
	is_viewer, can_read, approved, expected
):
	assert (
		sd.disclosure(PREVIEW, is_viewer=is_viewer, can_read_record=can_read, template_approved=approved)
		== expected
	)


def test_other_renders_give_the_number_to_a_reading_viewer_only():
	assert sd.disclosure(DIRECT, is_viewer=True, can_read_record=True) == VALUE
	for is_viewer, can_read in ((False, True), (True, False), (False, False)):
		with pytest.raises(NotPermitted) as err:
			sd.disclosure(DIRECT, is_viewer=is_viewer, can_read_record=can_read)
		assert "Sensitive Data Viewer" in str(err.value)


def test_a_template_rendering_to_nothing_makes_no_document():
	assert sd.is_blank("  \n\t")
	assert sd.is_blank(None)
	assert not sd.is_blank("<p>EIN 12-3456789</p>")


@pytest.mark.parametrize(
	"path,form,expected",
	[
		("/private/files/FO-0001-EIN-Letter-v1.pdf", {}, (["/private/files/FO-0001-EIN-Letter-v1.pdf"], [])),
		("/private/files/a%20b.pdf", {"fid": "abc123"}, (["/private/files/a b.pdf"], ["abc123"])),
		(
			"/api/method/frappe.handler.download_file",
			{"file_url": "/private/files/x.pdf?fid=1"},
			(["/private/files/x.pdf"], []),
		),
		("/api/method/download_file", {"file_url": "/private/files/x.pdf"}, (["/private/files/x.pdf"], [])),
		(
			"/api/v2/method/download_file",
			{"file_url": "/private/files/x.pdf"},
			(["/private/files/x.pdf"], []),
		),
		("/", {"cmd": "download_file", "file_url": "/private/files/x.pdf"}, (["/private/files/x.pdf"], [])),
		("/api/method/frappe.core.api.file.zip_files", {"files": '["f1", "f2"]'}, ([], ["f1", "f2"])),
		("/api/method/frappe.core.api.file.zip_files", {"files": "f1"}, ([], ["f1"])),
		("/api/method/frappe.core.api.file.zip_files", {"files": ["f1", 7, {"x": 1}]}, ([], ["f1", "7"])),
		("/files/public.pdf", {}, ([], [])),
		("/api/resource/File/abc", {}, ([], [])),
		("/api/method/frappe.handler.download_file", {}, ([], [])),
		(None, None, ([], [])),
	],
)
def test_requests_that_download_files(path, form, expected):
	assert sd.requested_files(path, form) == expected


def test_a_file_holding_a_number_downloads_for_viewers_only():
	assert sd.download_allowed(holds_sensitive_id=True, is_viewer=True)
	assert not sd.download_allowed(holds_sensitive_id=True, is_viewer=False)
	assert sd.download_allowed(holds_sensitive_id=False, is_viewer=False)
