"""The app's imports, function-local ones included: no circles among the modules of a package, and
no shipped module imports the test suite (crm_order_extension/testing/ is what they share).

A circle works only while every import on it stays inside a function (or happens to run in the
right order), and it hides which module depends on which. The files are parsed, never imported, so
this runs without Frappe.
"""

import ast
import textwrap
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "crm_order_extension"
# Packages held free of circles: the whole app. (pipelines/ had one: its modules share names through
# the leaf pipelines/common.py now.)
ACYCLIC = ["crm_order_extension"]


def module_files(package_dir: Path, package: str) -> dict[str, Path]:
	"""Dotted module name -> file, for every module of the package (subpackages included)."""
	modules = {}
	for path in sorted(package_dir.rglob("*.py")):
		parts = path.relative_to(package_dir).with_suffix("").parts
		if parts[-1] == "__init__":
			parts = parts[:-1]
		modules[".".join((package, *parts))] = path
	return modules


def imported_names(path: Path, module: str) -> set[str]:
	"""Every module name an import anywhere in the file may load: `import a.b` gives a.b,
	`from a import b` gives a.b and a (b may be a module or a name of a); relative ones resolved."""
	is_package = path.name == "__init__.py"
	names = set()
	for node in ast.walk(ast.parse(path.read_text(), str(path))):
		if isinstance(node, ast.Import):
			names.update(alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom):
			base = node.module or ""
			if node.level:
				parent = module.split(".")
				parent = parent[: len(parent) - node.level + (1 if is_package else 0)]
				base = ".".join([*parent, base] if base else parent)
			names.add(base)
			names.update(f"{base}.{alias.name}" for alias in node.names)
	return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
	"""Module -> the modules of the same package it imports (the most specific one a name names)."""
	graph = {}
	for module, path in modules.items():
		targets = set()
		for name in imported_names(path, module):
			while name and name not in modules:
				name = name.rpartition(".")[0]
			if name and name != module:
				targets.add(name)
		graph[module] = targets
	return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""The strongly connected components with more than one module (Tarjan), each sorted."""
	index, low, stack, on_stack, found = {}, {}, [], set(), []

	def visit(node: str) -> None:
		index[node] = low[node] = len(index)
		stack.append(node)
		on_stack.add(node)
		for target in sorted(graph.get(node, ())):
			if target not in index:
				visit(target)
				low[node] = min(low[node], low[target])
			elif target in on_stack:
				low[node] = min(low[node], index[target])
		if low[node] == index[node]:
			component = []
			while True:
				member = stack.pop()
				on_stack.discard(member)
				component.append(member)
				if member == node:
					break
			if len(component) > 1:
				found.append(sorted(component))

	for node in sorted(graph):
		if node not in index:
			visit(node)
	return found


def package_cycles(package: str, root: Path = APP.parent) -> list[list[str]]:
	package_dir = root.joinpath(*package.split("."))
	return cycles(import_graph(module_files(package_dir, package)))


def explain(package: str, circles: list[list[str]], root: Path = APP.parent) -> str:
	package_dir = root.joinpath(*package.split("."))
	graph = import_graph(module_files(package_dir, package))
	lines = []
	for circle in circles:
		members = set(circle)
		lines.append(
			"; ".join(f"{m} -> {', '.join(sorted(graph[m] & members))}" for m in circle),
		)
	return "\n".join(lines)


def test_packages_have_no_import_circles():
	for package in ACYCLIC:
		circles = package_cycles(package)
		assert circles == [], f"import circles in {package}:\n{explain(package, circles)}"


def test_shipped_code_imports_no_tests():
	tests = "crm_order_extension.tests"
	modules = module_files(APP, "crm_order_extension")
	offenders = [
		f"{module}: {name}"
		for module, path in modules.items()
		if not (module == tests or module.startswith(tests + "."))
		for name in sorted(imported_names(path, module))
		if name == tests or name.startswith(tests + ".")
	]
	assert offenders == []


def test_a_circle_through_a_function_local_import_is_found(tmp_path):
	pkg = tmp_path / "demo"
	pkg.mkdir()
	(pkg / "__init__.py").write_text("")
	(pkg / "a.py").write_text("from demo.b import helper\n")
	(pkg / "b.py").write_text(
		textwrap.dedent(
			"""
			def helper():
				from demo import c
				return c
			"""
		)
	)
	(pkg / "c.py").write_text("from . import a\n")
	(pkg / "leaf.py").write_text("import demo.a\nimport json\n")
	assert package_cycles("demo", root=tmp_path) == [["demo.a", "demo.b", "demo.c"]]
	(pkg / "c.py").write_text("import json\n")
	assert package_cycles("demo", root=tmp_path) == []


def test_relative_imports_resolve_in_a_subpackage(tmp_path):
	sub = tmp_path / "demo" / "sub"
	sub.mkdir(parents=True)
	(tmp_path / "demo" / "__init__.py").write_text("")
	(sub / "__init__.py").write_text("from .x import y\n")
	(sub / "x.py").write_text("from ..top import z\ny = 1\n")
	(tmp_path / "demo" / "top.py").write_text("from .sub import y\nz = 2\n")
	assert package_cycles("demo", root=tmp_path) == [["demo.sub", "demo.sub.x", "demo.top"]]
