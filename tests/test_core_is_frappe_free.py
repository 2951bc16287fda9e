import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "crm_order_extension" / "core"
FORBIDDEN = {"frappe", "erpnext", "crm", "helpdesk", "payments"}


def test_core_imports_no_framework():
	offenders = []
	for path in CORE.rglob("*.py"):
		for node in ast.walk(ast.parse(path.read_text())):
			if isinstance(node, ast.Import):
				names = [alias.name for alias in node.names]
			elif isinstance(node, ast.ImportFrom) and node.level == 0:
				names = [node.module or ""]
			else:
				continue
			offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
	assert offenders == []


def test_app_package_init_is_importable_without_frappe():
	import crm_order_extension

	assert crm_order_extension.__version__
