"""Order documents: which Document Templates apply to an order, which generators run for it, how
the generated files are named and versioned, and how a template error is reported.

Frappe-free: the adapter (pipelines/documents.py) reads the records and passes plain values.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crm_order_extension.core import formation, pipeline
from crm_order_extension.core.errors import RuleError, _

ENTITY_TYPE = "Entity Type"
SERVICE_TYPE = "Service Type"
ADD_ON = "Add-On"
CONDITION_TYPES = (ENTITY_TYPE, SERVICE_TYPE, ADD_ON)

# Which pipeline DocType each condition belongs to, and its legal values.
CONDITION_SCOPE = {
	ENTITY_TYPE: (pipeline.FORMATION_ORDER, formation.ENTITY_TYPES),
	ADD_ON: (pipeline.FORMATION_ORDER, formation.ADD_ONS),
	SERVICE_TYPE: (pipeline.COMPLIANCE_SERVICE, formation.SERVICE_TYPES),
}

PDF = "PDF"
DOCX = "DOCX"
PDF_AND_DOCX = "PDF and DOCX"
OUTPUT_FORMATS = (PDF, DOCX, PDF_AND_DOCX)

# The generator key that matches every order, and the one every Formation Order has.
ANY = "*"
FORMATION = "Formation"

MAX_STEM = 80
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class OrderFacts:
	"""What matching looks at: the pipeline DocType and the order's classification."""

	doctype: str
	entity_type: str | None = None
	service_type: str | None = None
	add_ons: frozenset[str] = field(default_factory=frozenset)


def order_facts(doctype: str, entity_type=None, service_type=None, add_ons: Iterable[str] = ()) -> OrderFacts:
	return OrderFacts(doctype, entity_type or None, service_type or None, frozenset(a for a in add_ons if a))


def _fact_values(facts: OrderFacts, condition: str) -> set[str]:
	if condition == ENTITY_TYPE:
		return {facts.entity_type} if facts.entity_type else set()
	if condition == SERVICE_TYPE:
		return {facts.service_type} if facts.service_type else set()
	return set(facts.add_ons)


def template_applies(
	pipeline_doctype: str | None, conditions: Iterable[tuple[str, str]], facts: OrderFacts
) -> bool:
	"""A template applies to an order of its pipeline DocType when every kind of condition it
	lists is met: the order has one of the listed values of that kind (entity types, service
	types or add-ons: OR within a kind, AND across kinds). No conditions: every order of the
	DocType (e.g. the invoice summary)."""
	if pipeline_doctype and pipeline_doctype != facts.doctype:
		return False
	wanted: dict[str, set[str]] = {}
	for condition, value in conditions:
		wanted.setdefault(condition, set()).add(value)
	return all(_fact_values(facts, condition) & values for condition, values in wanted.items())


def matching_templates(templates: Iterable[Mapping], facts: OrderFacts) -> list[str]:
	"""Names of the enabled templates that apply, in the given order. Each template is a mapping
	with name, enabled, pipeline_doctype and conditions [(condition, value), ...]."""
	return [
		t["name"]
		for t in templates
		if t.get("enabled", 1)
		and template_applies(t.get("pipeline_doctype"), t.get("conditions") or (), facts)
	]


def validate_template(
	pipeline_doctype: str | None,
	output_format: str | None,
	conditions: Iterable[tuple[str, str]],
	has_html: bool,
	has_docx: bool,
) -> None:
	"""A template names its pipeline DocType, an output format whose source it has, and only
	conditions that exist for that DocType, each once."""
	if pipeline_doctype not in (pipeline.FORMATION_ORDER, pipeline.COMPLIANCE_SERVICE):
		raise RuleError(
			_("Choose the order type: {0} or {1}"), pipeline.FORMATION_ORDER, pipeline.COMPLIANCE_SERVICE
		)
	if output_format not in OUTPUT_FORMATS:
		raise RuleError(
			_("Unknown output format {0}. Valid values: {1}"), output_format, ", ".join(OUTPUT_FORMATS)
		)
	if output_format in (PDF, PDF_AND_DOCX) and not has_html:
		raise RuleError(_("A {0} output needs an HTML body"), PDF)
	if output_format in (DOCX, PDF_AND_DOCX) and not has_docx:
		raise RuleError(_("A {0} output needs an attached .docx template"), DOCX)
	seen = set()
	for row, (condition, value) in enumerate(conditions, start=1):
		if condition not in CONDITION_SCOPE:
			raise RuleError(_("Row {0}: unknown condition {1}"), row, condition)
		doctype, values = CONDITION_SCOPE[condition]
		if doctype != pipeline_doctype:
			raise RuleError(_("Row {0}: a {1} condition only applies to a {2}"), row, condition, doctype)
		if value not in values:
			raise RuleError(
				_("Row {0}: {1} is not a valid {2}. Valid values: {3}"),
				row,
				value,
				condition,
				", ".join(values),
			)
		if (condition, value) in seen:
			raise RuleError(_("Row {0}: {1} {2} is listed twice"), row, condition, value)
		seen.add((condition, value))


def outputs_of(output_format: str) -> tuple[str, ...]:
	"""File extensions a template produces."""
	return {PDF: ("pdf",), DOCX: ("docx",), PDF_AND_DOCX: ("pdf", "docx")}[output_format]


# Generators ------------------------------------------------------------------------------------


def generator_keys(doctype: str, service_type: str | None = None) -> tuple[str, ...]:
	"""Keys of the generator hook an order answers to: `*`, its DocType, and its service type
	(`Formation` for every Formation Order, the service type of a Compliance Service)."""
	keys = [ANY, doctype]
	if doctype == pipeline.FORMATION_ORDER:
		keys.append(FORMATION)
	elif service_type:
		keys.append(service_type)
	return tuple(keys)


def generators_for(registered: Iterable[Mapping[str, Iterable[str] | str]], keys: Iterable[str]) -> list[str]:
	"""Dotted paths of the generators for these keys, each once, in the order the sources and
	their keys list them (`registered`: the merged hooks, then any site-configured ones)."""
	found: list[str] = []
	keys = list(keys)
	for source in registered:
		for key in keys:
			paths = (source or {}).get(key) or ()
			for path in [paths] if isinstance(paths, str) else paths:
				if path and path not in found:
					found.append(path)
	return found


def safe_stem(text: str) -> str:
	"""A file-name-safe form of a template name or stem: letters, digits, dots, dashes and
	underscores; runs of anything else become one dash."""
	stem = re.sub(r"[^A-Za-z0-9._-]+", "-", (text or "").strip()).strip("-.")
	return stem[:MAX_STEM].rstrip("-.")


def normalize_outputs(produced: object, source: str) -> list[tuple[str, bytes, str]]:
	"""Check a generator's result: a list of (file name stem, bytes, extension)."""
	if produced is None:
		return []
	if not isinstance(produced, list | tuple):
		raise RuleError(
			_("Generator {0} must return a list of (name, content, extension), got {1}"),
			source,
			type(produced).__name__,
		)
	outputs = []
	for item in produced:
		if not isinstance(item, list | tuple) or len(item) != 3:
			raise RuleError(
				_("Generator {0} returned {1}; expected (name, content, extension)"), source, repr(item)[:80]
			)
		stem, content, extension = item
		stem = safe_stem(str(stem or ""))
		extension = str(extension or "").lower().lstrip(".")
		if not stem:
			raise RuleError(_("Generator {0} returned a document without a name"), source)
		if isinstance(content, str):
			content = content.encode()
		if not isinstance(content, bytes | bytearray) or not content:
			raise RuleError(_("Generator {0} returned no content for {1}"), source, stem)
		if not _EXTENSION.match(extension):
			raise RuleError(
				_("Generator {0} returned an invalid file extension {1} for {2}"), source, extension, stem
			)
		outputs.append((stem, bytes(content), extension))
	return outputs


def check_unique_outputs(outputs: Iterable[tuple[str, bytes, str]]) -> None:
	seen = set()
	for stem, _content, extension in outputs:
		if (stem.lower(), extension) in seen:
			raise RuleError(_("Two documents of one run are both named {0}.{1}"), stem, extension)
		seen.add((stem.lower(), extension))


# Files and versions ----------------------------------------------------------------------------


def file_name(order: str, stem: str, version: int, extension: str) -> str:
	"""`<order>-<template>-v<N>.<ext>`, e.g. FO-2026-0001-Operating-Agreement-v2.docx."""
	return f"{order}-{safe_stem(stem)}-v{int(version)}.{extension}"


def next_version(current: int | None) -> int:
	return int(current or 0) + 1


def documents_of_version(names: Iterable[str], order: str, version: int | None) -> list[str]:
	"""The file names of one generation run of the order: `<order>-<stem>-v<N>.<ext>`, also when
	Frappe added its 6-character suffix to a name already taken on disk (`...-v<N>ab12cd.<ext>`)."""
	if not version:
		return []
	pattern = re.compile(
		re.escape(f"{order}-") + r".+" + re.escape(f"-v{int(version)}") + r"(?:[0-9a-z]{6})?\.[a-z0-9]{1,10}"
	)
	return sorted(name for name in names if name and pattern.fullmatch(name))


def versions_of(names: Iterable[str], order: str, latest: int | None) -> dict[str, int]:
	"""The generation run (1 … latest) of each of the order's document files; other files are left
	out. A name matching two runs (a suffix of digits) belongs to the newer one."""
	found: dict[str, int] = {}
	names = list(names)
	for version in range(int(latest or 0), 0, -1):
		for name in documents_of_version(names, order, version):
			found.setdefault(name, version)
	return found


# Generation and delivery rules -----------------------------------------------------------------

# Statuses from which Operations may (re-)run the generation by hand.
REGENERATE_FROM = (pipeline.PROCESSING, pipeline.FAILED, pipeline.QUEUED)


def generation_trigger(before: str | None, after: str, by_generation_job: bool) -> bool:
	"""A status change that asks for documents: entering Queued, or Revision → Processing
	(a reworked order is generated again as the next version). The job's own moves never do."""
	if by_generation_job or before == after:
		return False
	return after == pipeline.QUEUED or (before == pipeline.REVISION and after == pipeline.PROCESSING)


def check_can_regenerate(status: str) -> None:
	if status not in REGENERATE_FROM:
		raise RuleError(
			_("Documents are generated from status {0}, not {1}"), " / ".join(REGENERATE_FROM), status
		)


def check_can_deliver(status: str, recipient: str | None, documents: list[str]) -> None:
	if status != pipeline.READY:
		raise RuleError(_("Only an order in status {0} can be delivered, not {1}"), pipeline.READY, status)
	if not recipient:
		raise RuleError(
			_("The customer has no contact email: set a primary contact with an email address first")
		)
	if not documents:
		raise RuleError(_("The order has no generated documents to deliver"))


def error_message(template: str, line: int | None, error: str) -> str:
	"""The one-line message of a failed template."""
	error = " ".join(str(error).split()) or "error"
	if line:
		return f"Template {template}, line {line}: {error}"
	return f"Template {template}: {error}"


def template_error_line(exc: BaseException, template_file: str = "<template>") -> int | None:
	"""The template line of a Jinja error: a syntax error carries it; a runtime error (undefined
	variable, a failing filter) has the template's frame in its traceback, which Jinja rewrites to
	the template's own line numbers."""
	line = getattr(exc, "lineno", None)
	if isinstance(line, int) and line > 0:
		return line
	found = None
	tb = exc.__traceback__
	while tb is not None:
		if tb.tb_frame.f_code.co_filename == template_file:
			found = tb.tb_lineno
		tb = tb.tb_next
	return found
