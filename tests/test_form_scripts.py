"""The form script fixtures are generated from crm_order_extension/public/js/form_scripts/ and load as
CRM (frontend/src/data/script.js, v1.52 to v1.81) and Helpdesk (formCustomisation.ts) load them."""

import json
import re
import shutil
import subprocess

import pytest

from crm_order_extension import form_scripts

CRM_SCRIPTS = {"CRM Lead Order History": "CRMLead", "CRM Deal Order History": "CRMDeal"}


def fixture_scripts(filename: str) -> dict[str, str]:
	return {r["name"]: r["script"] for r in json.loads((form_scripts.FIXTURES / filename).read_text())}


def crm_class_names(script: str) -> list[str]:
	"""CRM's getClassNames: every `class Name` outside comments; the script is evaluated for each."""
	without_comments = re.sub(r"/\*[\s\S]*?\*/", "", re.sub(r"//.*$", "", script, flags=re.MULTILINE))
	return re.findall(r"class\s+([A-Za-z0-9_]+)", without_comments)


def test_fixtures_are_generated_from_the_sources():
	stale = [str(path.name) for path in form_scripts.stale_fixtures()]
	assert stale == [], f"{stale} out of date: run python -m crm_order_extension.form_scripts"


def test_build_changes_nothing_when_up_to_date():
	for path, text in form_scripts.build().items():
		assert path.read_text() == text, f"{path.name}: run python -m crm_order_extension.form_scripts"


def test_modified_moves_past_the_old_value():
	from datetime import datetime

	now = datetime(2026, 1, 1, 9, 0)
	assert form_scripts.bumped("2026-01-01 10:00:00.000000", now) == "2026-01-01 10:00:01.000000"
	assert form_scripts.bumped("2025-12-31 10:00:00.000000", now) == "2026-01-01 09:00:00.000000"


def test_crm_scripts_declare_only_the_doctype_class():
	scripts = fixture_scripts("crm_form_script.json")
	for name, class_name in CRM_SCRIPTS.items():
		assert crm_class_names(scripts[name]) == [class_name], name


def test_eslint_directives_are_left_out():
	for filename in form_scripts.RECORDS:
		for name, script in fixture_scripts(filename).items():
			assert "/* global" not in script and "/* exported" not in script, name


# Evaluates the scripts as CRM and Helpdesk do, with their helpers stubbed, and runs the actions.
NODE_CHECK = r"""
const scripts = JSON.parse(require("fs").readFileSync(0, "utf8"));
const calls = [];
const dialogs = [];
const listeners = [];
global.window = {};
global.document = { getElementById: () => null };
const helpers = {
	call: async (method, args) => {
		calls.push([method, args]);
		return { success: true, message: "ok", html: "<p>h</p>", summary: { order_summary: "1 open order" } };
	},
	createDialog: (options) => dialogs.push(options.title),
	toast: { success() {}, error(m) { throw new Error("toast.error " + m); }, warning() {} },
	socket: { on: (event) => listeners.push(event) },
	router: {},
	throwError: () => {},
};
function evaluate(script, className) {
	return new Function(...Object.keys(helpers), `${script}\nreturn ${className};`)(...Object.values(helpers));
}
(async () => {
	const out = {};
	for (const [className, script, doctype] of scripts.crm) {
		const FormClass = evaluate(script, className);
		const context = { actions: [] };
		Object.defineProperty(FormClass.prototype, "actions", {
			get() { return context.actions; },
			set(value) { context.actions = value; },
		});
		const page = new FormClass();
		page.doc = { name: "REC-1", doctype, custom_order_summary: "" };
		page.onLoad();
		calls.length = 0;
		dialogs.length = 0;
		// One "Orders" menu (a labelled dropdown in CRM's header); its entries are the actions.
		const items = context.actions.flatMap((a) => (a.group && a.buttonLabel ? a.items : [a]));
		for (const action of items) await action.onClick();
		out[className] = {
			name: FormClass.name,
			menus: context.actions.map((a) => a.buttonLabel),
			actions: items.map((a) => a.label),
			calls: calls.map(([m, a]) => [m.split(".").pop(), a]),
			dialogs: [...dialogs],
			summary: page.doc.custom_order_summary,
		};
	}
	out.listeners = listeners;
	const setupForm = new Function(scripts.hd + "\nreturn setupForm")();
	out.hd = typeof setupForm;
	console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_scripts_load_and_run_as_crm_and_helpdesk_run_them():
	crm = fixture_scripts("crm_form_script.json")
	payload = {
		"crm": [
			[CRM_SCRIPTS[name], crm[name], name.replace(" Order History", "")]
			for name in ("CRM Lead Order History", "CRM Deal Order History")
		],
		"hd": fixture_scripts("hd_form_script.json")["HD Ticket Order History"],
	}
	result = subprocess.run(
		["node", "-e", NODE_CHECK], input=json.dumps(payload), capture_output=True, text=True, timeout=60
	)
	assert result.returncode == 0, result.stderr
	out = json.loads(result.stdout)
	history = ["Order History", "Fetch Order History"]
	lead, deal = out["CRMLead"], out["CRMDeal"]
	assert (lead["name"], deal["name"]) == ("CRMLead", "CRMDeal")
	assert lead["actions"] == history
	assert lead["menus"] == deal["menus"] == ["Orders"]
	assert deal["actions"] == [*history, "Create Sales Order", "Quotations & Stock"]
	for page, doctype in ((lead, "CRM Lead"), (deal, "CRM Deal")):
		# Order History shows the stored history; Fetch Order History re-syncs, refreshes, shows it
		assert page["calls"][0] == ["get_order_history_html", {"doctype": doctype, "name": "REC-1"}]
		assert ["get_order_history", {"doctype": doctype, "name": "REC-1", "page_length": 1}] in page["calls"]
		assert page["dialogs"][:2] == ["Order History", "Order History"]
		assert page["summary"] == "1 open order"
	assert ["fetch_orders", {"lead_name": "REC-1"}] in lead["calls"]
	assert ["fetch_deal_orders", {"deal_name": "REC-1"}] in deal["calls"]
	assert deal["calls"][-3:] == [
		["recreate_sales_order", {"deal": "REC-1"}],
		["get_deal_quotations", {"deal": "REC-1"}],
		["get_deal_stock", {"deal": "REC-1"}],
	]
	assert lead["dialogs"] == ["Order History", "Order History"]
	assert deal["dialogs"] == ["Order History", "Order History", "Quotations & Stock"]
	# one history listener and the three SLA notice listeners per page
	assert sorted(set(out["listeners"])) == [
		"crm_order_extension:history_changed",
		"sla_at_risk",
		"sla_failed",
		"sla_resolution_failed",
	]
	assert out["hd"] == "function"


# The Helpdesk SLA notice script as the agent UI runs it: on v1.2x with Helpdesk's toast, on v1.5
# without one (its own toast), the listeners added once per page, only the open ticket's notices.
HD_SLA_CHECK = r"""
const script = require("fs").readFileSync(0, "utf8");
const handlers = {};
const shown = [];
const body = [];
function node(tag) {
	return {
		tag, style: {}, children: [], attributes: {}, textContent: "",
		setAttribute(key, value) { this.attributes[key] = value; },
		append(...nodes) { this.children.push(...nodes); },
		remove() { this.removed = true; },
	};
}
global.window = { location: { pathname: "/helpdesk/tickets/42" } };
global.document = {
	querySelector: (selector) => selector === "#app"
		? { __vue_app__: { config: { globalProperties: { $socket: {
			on: (event, handler) => (handlers[event] = handlers[event] || []).push(handler),
		} } } } }
		: null,
	getElementById: (id) => body.find((n) => n.id === id) || null,
	createElement: node,
	body: { append: (n) => body.push(n) },
};
global.setTimeout = () => 0;
const setupForm = () => new Function(script + "\nreturn setupForm")();
const toast = {
	warning: (m, o) => shown.push(["warning", m, o.duration]),
	error: (m, o) => shown.push(["error", m, o.duration]),
};
const send = (event, data) => (handlers[event] || []).forEach((h) => h(data));
const out = {};
out.actions = setupForm()({ doc: { name: "42" }, toast });
setupForm()({ doc: { name: "42" }, toast });
out.listeners = Object.fromEntries(Object.entries(handlers).map(([e, hs]) => [e, hs.length]));
send("sla_at_risk", { doctype: "HD Ticket", name: "42", message: "SLA at risk: Ticket 42" });
send("sla_failed", { doctype: "HD Ticket", name: "43", message: "SLA failed: Ticket 43" });
send("sla_failed", { doctype: "CRM Lead", name: "42", message: "SLA failed: Lead 42" });
send("sla_resolution_failed", { doctype: "HD Ticket", name: 42, message: "SLA failed: Ticket 42 (A<B>)" });
out.helpdesk_toast = [...shown];
// v1.5: no toast passed (a ticket opened later re-runs the script): our own toast
window.location.pathname = "/helpdesk/tickets/7";
setupForm()({ doc: { name: "7" } });
send("sla_failed", { doctype: "HD Ticket", name: "7", message: "SLA failed: Ticket 7" });
const stack = body.find((n) => n.id === "coe-ticket-sla-toasts");
out.own_toast = stack ? stack.children.map((card) => [card.attributes.role, card.children[0].textContent]) : [];
out.helpdesk_toast_after = shown.length;
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_helpdesk_sla_notice_script_toasts_the_open_tickets_notices_once():
	script = fixture_scripts("hd_form_script.json")["HD Ticket SLA Notices"]
	result = subprocess.run(
		["node", "-e", HD_SLA_CHECK], input=script, capture_output=True, text=True, timeout=60
	)
	assert result.returncode == 0, result.stderr
	out = json.loads(result.stdout)
	assert out["actions"] == {"actions": []}
	assert out["listeners"] == {"sla_at_risk": 1, "sla_failed": 1, "sla_resolution_failed": 1}
	assert out["helpdesk_toast"] == [
		["warning", "SLA at risk: Ticket 42", 15],
		["error", "SLA failed: Ticket 42 (A&#60;B&#62;)", 15],
	]
	assert out["own_toast"] == [["alert", "SLA failed: Ticket 7"]]
	assert out["helpdesk_toast_after"] == 2
