"""Every RuleError message template of the core is a literal inside `_()`, so Frappe's translation
extractor (babel's `extract_python` with the keyword `_`) puts it in the app's catalogue; the
adapters translate it with `_(err.template)`."""

import ast
from pathlib import Path

import pytest

from crm_order_extension.core import errors

CORE = Path(__file__).resolve().parents[1] / "crm_order_extension" / "core"


def modules() -> dict[Path, ast.Module]:
	return {path: ast.parse(path.read_text(), filename=str(path)) for path in sorted(CORE.rglob("*.py"))}


def rule_error_classes(trees) -> set[str]:
	"""RuleError and every class of the core derived from it (e.g. PipelineError)."""
	found = {"RuleError"}
	changed = True
	while changed:
		changed = False
		for tree in trees:
			for node in ast.walk(tree):
				if isinstance(node, ast.ClassDef) and node.name not in found:
					bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
					if bases & found:
						found.add(node.name)
						changed = True
	return found


def raised_templates(tree, classes):
	"""(line, first argument) of every call of a RuleError class."""
	for node in ast.walk(tree):
		if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes:
			yield node.lineno, node.args[0] if node.args else None


def is_marked_literal(arg) -> bool:
	return (
		isinstance(arg, ast.Call)
		and isinstance(arg.func, ast.Name)
		and arg.func.id == "_"
		and len(arg.args) == 1
		and not arg.keywords
		and isinstance(arg.args[0], ast.Constant)
		and isinstance(arg.args[0].value, str)
		and arg.args[0].value.strip() != ""
	)


def test_every_rule_error_template_is_a_marked_literal():
	trees = modules()
	classes = rule_error_classes(trees.values())
	assert {"RuleError", "PipelineError"} <= classes
	offenders, count = [], 0
	for path, tree in trees.items():
		for line, arg in raised_templates(tree, classes):
			count += 1
			if not is_marked_literal(arg):
				offenders.append(f"{path.name}:{line}")
	assert offenders == []
	assert count >= 79  # the templates of issue 15; new ones only add to it


def test_the_marker_is_the_core_no_op_and_never_rebound():
	"""A module that marks templates imports `_` from core.errors and never assigns the name (a
	loop variable `_` would turn the marker into an int)."""
	classes = rule_error_classes(modules().values())
	for path, tree in modules().items():
		if not any(True for _line, _arg in raised_templates(tree, classes)) or path.name == "errors.py":
			continue
		imports = [
			node
			for node in ast.walk(tree)
			if isinstance(node, ast.ImportFrom)
			and node.module == "crm_order_extension.core.errors"
			and any(alias.name == "_" and alias.asname is None for alias in node.names)
		]
		assert imports, f"{path.name} does not import the marker _ from core.errors"
		rebound = [
			node.lineno
			for node in ast.walk(tree)
			if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store | ast.Del)
		]
		rebound += [
			node.lineno
			for node in ast.walk(tree)
			if isinstance(node, ast.FunctionDef | ast.Lambda)
			for a in node.args.args + node.args.kwonlyargs
			if a.arg == "_"
		]
		assert rebound == [], f"{path.name} rebinds _ on lines {rebound}"


def test_the_marker_returns_the_template_unchanged():
	template = "Row {0}: unknown condition {1}"
	assert errors._(template) is template
	err = errors.RuleError(errors._(template), 2, "Colour")
	assert (err.template, str(err)) == (template, "Row 2: unknown condition Colour")


def test_babel_extracts_the_templates():
	"""The extractor Frappe v15 runs for .py files (frappe.translate.extract_messages_from_python_code)
	finds every template (babel: installed for tier 1 by ./run-tests, as Frappe's own dependency)."""
	import io

	from babel.messages.extract import extract_python as extract

	trees = modules()
	classes = rule_error_classes(trees.values())
	for path, tree in trees.items():
		expected = {arg.args[0].value for _line, arg in raised_templates(tree, classes)}
		if not expected:
			continue
		found = {
			args if isinstance(args, str) else args[0]
			for _line, _func, args, _comments in extract(
				io.BytesIO(path.read_bytes()), keywords=["_", "_lt"], comment_tags=(), options={}
			)
		}
		assert expected <= found, (path.name, sorted(expected - found))
