"""The /crm and /helpdesk form scripts: JS sources under public/js/form_scripts/, fixtures generated.

CRM and Helpdesk run a form script from one text stored in a record (CRM Form Script, HD Form
Script), which the app ships as fixtures. The sources are files (linted, reviewed, shared); this
module writes each record's `script` from them and keeps the record's other fields:

	python -m crm_order_extension.form_scripts          # rewrite the fixtures that are out of date
	python -m crm_order_extension.form_scripts --check  # exit 1 when one is (tests/test_form_scripts.py)

A record's `modified` moves only when its script changes, and then past its old value (now, or a
second after the old one if that is ahead), so the next `bench migrate` imports it: Frappe re-imports
a fixture record only when it is newer than the site's. Lines that are only an ESLint
directive (`/* global ... */`, `/* exported ... */`) are left out of the script text. No Frappe needed.
"""

import argparse
import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

APP = Path(__file__).resolve().parent
SOURCES = APP / "public" / "js" / "form_scripts"
FIXTURES = APP / "fixtures"

# fixture file -> record name -> its script's source files, in order (one script text each)
RECORDS = {
	"crm_form_script.json": {
		"CRM Lead Order History": ("crm_shared.js", "crm_lead.js"),
		"CRM Deal Order History": ("crm_shared.js", "crm_deal.js"),
	},
	"hd_form_script.json": {
		"HD Ticket Order History": ("hd_shared.js", "hd_ticket.js"),
		"HD Ticket SLA Notices": ("hd_shared.js", "hd_ticket_sla.js"),
		"HD Ticket Order Actions": ("hd_shared.js", "hd_ticket_actions.js"),
	},
}

ESLINT_DIRECTIVE = re.compile(r"^/\*\s*(?:global|exported)\s[^*]*\*/\n", re.MULTILINE)


def script_text(sources: tuple[str, ...]) -> str:
	"""One self-contained script: the sources joined by a blank line, ESLint directives left out."""
	parts = [ESLINT_DIRECTIVE.sub("", (SOURCES / name).read_text()).strip("\n") for name in sources]
	return "\n\n".join(parts) + "\n"


def fixture_json(records: list[dict]) -> str:
	"""As Frappe's export-fixtures writes it."""
	return json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


def bumped(modified: str | None, now: datetime) -> str:
	"""A `modified` newer than the record's old one."""
	if modified:
		now = max(now, datetime.strptime(modified, TIMESTAMP) + timedelta(seconds=1))
	return now.strftime(TIMESTAMP)


def build(now: datetime | None = None) -> dict[Path, str]:
	"""Fixture path -> its text generated from the sources (the current text where nothing changed)."""
	now = now or datetime.now()
	generated = {}
	for filename, scripts in RECORDS.items():
		path = FIXTURES / filename
		records = json.loads(path.read_text())
		found = {record["name"] for record in records}
		missing = set(scripts) - found
		if missing:
			raise ValueError(f"{path}: no record named {', '.join(sorted(missing))}")
		for record in records:
			sources = scripts.get(record["name"])
			if sources is None:
				continue
			script = script_text(sources)
			if record.get("script") != script:
				record["script"] = script
				record["modified"] = bumped(record.get("modified"), now)
		generated[path] = fixture_json(records)
	return generated


def stale_fixtures() -> list[Path]:
	"""The fixture files whose scripts differ from the sources."""
	stale = []
	for filename, scripts in RECORDS.items():
		path = FIXTURES / filename
		for record in json.loads(path.read_text()):
			sources = scripts.get(record["name"])
			if sources is not None and record.get("script") != script_text(sources):
				stale.append(path)
				break
	return stale


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m crm_order_extension.form_scripts", description=__doc__)
	parser.add_argument("--check", action="store_true", help="only report; exit 1 if a fixture is stale")
	args = parser.parse_args(argv)
	stale = stale_fixtures()
	if args.check:
		for path in stale:
			print(f"out of date: {path.relative_to(APP.parent)}")
		return 1 if stale else 0
	for path, text in build().items():
		if path in stale:
			path.write_text(text)
			print(f"written: {path.relative_to(APP.parent)}")
	if not stale:
		print("form script fixtures are up to date")
	return 0


if __name__ == "__main__":
	sys.exit(main())
