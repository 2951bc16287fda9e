"""Sensitive IDs in documents: who gets a number from a template, when a Document Template's
approval holds, and which requests download a file (to keep files holding a number to viewers).

A number reaches a document in one of three ways:

* a generation job renders a Document Template for an order: the job does not run as a viewer,
  so the template's approval by a Sensitive Data Viewer is what allows it. The approval covers
  the template's content as approved (a digest of the HTML body and the .docx); any edit of
  either withdraws it, and it covers the order's own customer only;
* a preview of a template for an order: the number for a viewer when the template is approved,
  else the masked form (a preview renders someone else's template, which may send what it reads);
* anything else that renders Jinja (a print format, a web page, server code): the number for a
  viewer who may read the record, nobody else.
"""

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import unquote

from crm_order_extension.core.errors import RuleError, _

VIEWER_ROLE = "Sensitive Data Viewer"

# How a template is being rendered.
GENERATION = "Generation"
PREVIEW = "Preview"
DIRECT = "Direct"

# What a helper call returns.
VALUE = "value"
MASK = "mask"

HELPERS = ("sensitive_id", "reveal_for_document")
_HELPER_CALL = re.compile(r"\b(?:sensitive_id|reveal_for_document)\b")


class NotPermitted(RuleError):
	"""The caller may not have the number (the adapter answers with a permission error)."""


def uses_sensitive_ids(*sources: str | None) -> bool:
	"""Whether template text (an HTML body, a .docx's XML) names one of the Sensitive ID helpers."""
	return any(source and _HELPER_CALL.search(source) for source in sources)


def content_digest(body_html: str | None, docx_content: bytes | None = None) -> str:
	"""What an approval covers: the HTML body and the .docx, exactly as approved."""
	digest = hashlib.sha256()
	digest.update((body_html or "").encode())
	digest.update(b"\x00")
	digest.update(hashlib.sha256(docx_content or b"").hexdigest().encode())
	return digest.hexdigest()


def approval_holds(approved_by: str | None, approved_digest: str | None, current_digest: str) -> bool:
	return bool(approved_by and approved_digest and approved_digest == current_digest)


def disclosure(
	mode: str,
	*,
	is_viewer: bool,
	can_read_record: bool,
	source: str | None = None,
	template_approved: bool = False,
	order_customer: str | None = None,
	customer: str | None = None,
) -> str:
	"""VALUE or MASK for one helper call, or NotPermitted saying why not.

	`source` is the template (or generator) a generation job is rendering; `is_viewer` and
	`can_read_record` describe the user rendering outside a generation job."""
	if mode == GENERATION:
		if not source or not template_approved:
			raise NotPermitted(
				_(
					"{0} uses a Sensitive ID, but no Sensitive Data Viewer has approved it (or it was "
					"edited since): a viewer must approve the template first"
				),
				source or _("This document"),
			)
		if (customer or "") != (order_customer or ""):
			raise NotPermitted(
				_("{0} may use the Sensitive IDs of the order's customer only, not of {1}"), source, customer
			)
		return VALUE
	if mode == PREVIEW:
		return VALUE if is_viewer and can_read_record and template_approved else MASK
	if is_viewer and can_read_record:
		return VALUE
	raise NotPermitted(_("Only a user with the {0} role may see a Sensitive ID"), VIEWER_ROLE)


def is_blank(rendered: str | None) -> bool:
	"""A template that renders to nothing (e.g. a letter whose number is not on file yet) makes no
	document."""
	return not (rendered or "").strip()


# Downloads ------------------------------------------------------------------------------------------

PRIVATE_FILES = "/private/files/"
# Whitelisted methods that answer with a file's content, by the argument naming the file.
DOWNLOAD_METHODS = {
	"download_file": "file_url",
	"frappe.handler.download_file": "file_url",
	"frappe.core.doctype.file.file.download_file": "file_url",
}
ZIP_METHODS = {"frappe.core.api.file.zip_files": "files"}
_METHOD_PATHS = ("/api/method/", "/api/v1/method/", "/api/v2/method/")


def requested_files(path: str | None, form: Mapping | None = None) -> tuple[list[str], list[str]]:
	"""The files a request would download: (file URLs, File names). Empty for any other request."""
	import json

	form = form or {}
	path = path or ""
	urls: list[str] = []
	names: list[str] = []
	if path.startswith(PRIVATE_FILES):
		urls.append(unquote(path))
		if form.get("fid"):
			names.append(str(form["fid"]))
		return urls, names
	method = next((path[len(p) :] for p in _METHOD_PATHS if path.startswith(p)), None) or form.get("cmd")
	method = (method or "").strip("/")
	if method in DOWNLOAD_METHODS and form.get(DOWNLOAD_METHODS[method]):
		urls.append(unquote(str(form[DOWNLOAD_METHODS[method]])).split("?", 1)[0])
	elif method in ZIP_METHODS:
		value = form.get(ZIP_METHODS[method])
		if isinstance(value, str):
			try:
				value = json.loads(value)
			except ValueError:
				value = [value]
		if isinstance(value, str):
			value = [value]
		names += [str(name) for name in value or () if isinstance(name, str | int)]
	return urls, names


def download_allowed(holds_sensitive_id: bool, is_viewer: bool) -> bool:
	"""A file holding a Sensitive ID goes to viewers only (Frappe's own check, read access to the
	document it is attached to, applies besides)."""
	return is_viewer or not holds_sensitive_id
