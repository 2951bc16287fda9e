import re
from pathlib import Path

from setuptools import find_packages, setup

# Read, not import: the build backend does not put the source tree on sys.path.
version = re.search(
	r'__version__ = "([^"]+)"', (Path(__file__).parent / "crm_order_extension" / "__init__.py").read_text()
).group(1)

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]

setup(
	name="crm_order_extension",
	version=version,
	description="Order & production history, dual lead SLA and order pipelines for ERPNext, Frappe CRM and Helpdesk",
	author="CRM Order Extension contributors",
	author_email="dev@crm-order-extension.invalid",
	license="MIT",
	packages=find_packages(exclude=("tests", "tests.*")),
	zip_safe=False,
	include_package_data=True,
	install_requires=install_requires,
	python_requires=">=3.10",
)
