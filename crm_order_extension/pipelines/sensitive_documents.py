"""Files that hold a Sensitive ID: generated documents of approved templates that used one.

Each is registered by its content hash in *Sensitive Document* (who may read that: System Manager
and Sensitive Data Viewer). Frappe lets anyone who may read the order download its private files,
and it serves a file URL when any File row of that URL is readable (a copy attached to the
delivery email's Communication, say). So the rule is kept by content, on every route:

* downloads (`/private/files/...`, `download_file`, `zip_files`): refused to users without the
  Sensitive Data Viewer role (an `auth_hooks` entry: it runs once the request's user is known,
  API keys included, before Frappe serves the file);
* new File rows with that content (attaching it elsewhere, an email from the order's timeline):
  only by a viewer or by this app's own generation and delivery;
* it stays private: no File row with that content may be made public.

A registration goes when the last File with its content is deleted.
"""

from contextlib import contextmanager

import frappe
from frappe import _

from crm_order_extension.core import sensitive_documents as rules
from crm_order_extension.pipelines.sensitive_ids import has_viewer_role

REGISTRY = "Sensitive Document"
_SYSTEM_FLAG = "coe_sensitive_files_by_system"


def register(file_doc, order, source: str, used: list[str]) -> str:
	"""Record that `file_doc` (attached to `order`) holds the numbers of the Sensitive IDs `used`."""
	return (
		frappe.get_doc(
			{
				"doctype": REGISTRY,
				"file": file_doc.name,
				"file_name": file_doc.file_name,
				"content_hash": file_doc.content_hash,
				"reference_doctype": order.doctype,
				"reference_name": order.name,
				"source": source,
				"sensitive_ids": "\n".join(sorted(set(used))),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def is_sensitive_content(content_hashes) -> bool:
	hashes = [h for h in content_hashes if h]
	if not hashes:
		return False
	try:
		return bool(frappe.db.exists(REGISTRY, {"content_hash": ("in", hashes)}))
	except Exception as exc:
		# Files saved while the app is installed or migrated, before its DocTypes exist: nothing
		# can be registered yet.
		if frappe.db.is_table_missing(exc):
			return False
		raise


def holds_sensitive_id(urls=(), names=()) -> bool:
	"""Whether any of these file URLs or File names has the content of a registered document (every
	File row of a URL counts: Frappe serves a URL when any of them is readable)."""
	hashes = []
	if urls:
		hashes += frappe.get_all("File", filters={"file_url": ("in", list(urls))}, pluck="content_hash")
	if names:
		hashes += frappe.get_all("File", filters={"name": ("in", list(names))}, pluck="content_hash")
	return is_sensitive_content(hashes)


@contextmanager
def system_files():
	"""This app's generation and delivery attach such files (the job and the deliverer need not be
	viewers; who downloads them afterwards is checked at download)."""
	previous = frappe.flags.get(_SYSTEM_FLAG)
	frappe.flags[_SYSTEM_FLAG] = True
	try:
		yield
	finally:
		frappe.flags[_SYSTEM_FLAG] = previous


def _refuse(message: str):
	frappe.flags.disable_traceback = True
	frappe.throw(message, frappe.PermissionError, title=_("Not permitted"))


def guard_downloads():
	"""auth_hooks: a request that would download a file holding a Sensitive ID needs the role."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return
	urls, names = rules.requested_files(request.path, frappe.local.form_dict)
	if not (urls or names) or frappe.session.user == "Administrator":
		return
	if not rules.download_allowed(holds_sensitive_id(urls, names), has_viewer_role()):
		_refuse(
			_("This document contains a Sensitive ID: only users with the {0} role may download it").format(
				_(rules.VIEWER_ROLE)
			)
		)


def guard_file(doc, method=None):
	"""File before_validate (after a new row's content is stored and hashed, before Frappe moves a
	file between private and public)."""
	if doc.is_folder or not doc.content_hash or not is_sensitive_content([doc.content_hash]):
		return
	if not doc.is_private:
		_refuse(_("This file contains a Sensitive ID: it stays private"))
	if doc.is_new() and not frappe.flags.get(_SYSTEM_FLAG) and not has_viewer_role():
		_refuse(
			_(
				"This file contains a Sensitive ID: only users with the {0} role may attach it elsewhere"
			).format(_(rules.VIEWER_ROLE))
		)


def prune(doc, method=None):
	"""File on_trash: the registration goes with the last File of its content."""
	if not doc.content_hash:
		return
	if not is_sensitive_content([doc.content_hash]):
		return
	if frappe.db.exists("File", {"content_hash": doc.content_hash, "name": ("!=", doc.name)}):
		return
	frappe.db.delete(REGISTRY, {"content_hash": doc.content_hash})
