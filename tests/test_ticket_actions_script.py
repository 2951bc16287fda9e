"""The HD Form Script "HD Ticket Order Actions" loads as Helpdesk loads it (`new Function(script +
"return setupForm")`, then `setupForm({doc})`) and gives its two header actions, each opening its
dialog and asking the app's endpoints for the ticket."""

import json
import shutil
import subprocess

import pytest

from crm_order_extension import form_scripts

NODE_CHECK = r"""
const script = require("fs").readFileSync(0, "utf8");
const calls = [];
const appended = [];
function node() {
	return {
		style: {}, dataset: {}, children: [], append(...c) { this.children.push(...c); },
		replaceChildren() {}, setAttribute() {}, remove() {}, set textContent(v) { this.text = v; },
		get textContent() { return this.text; },
	};
}
global.window = { csrf_token: "x" };
global.document = {
	createElement: node, getElementById: () => null, querySelector: () => null,
	body: { append: (n) => appended.push(n) },
};
global.fetch = async (url, options) => {
	calls.push([url.split(".").pop(), JSON.parse(options.body)]);
	const message = url.endsWith("get_order_history") ? { rows: [] } : { lines: [], can_create: {} };
	return { ok: true, json: async () => ({ message }) };
};
(async () => {
	const setupForm = new Function(script + "\nreturn setupForm")();
	const form = await setupForm({ doc: { name: 42 } });
	for (const action of form.actions) await action.onClick();
	console.log(JSON.stringify({
		actions: form.actions.map((a) => [a.label, a.iconLeft]),
		calls, dialogs: appended.length,
	}));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_actions_load_and_open_their_dialogs():
	records = json.loads((form_scripts.FIXTURES / "hd_form_script.json").read_text())
	script = next(r["script"] for r in records if r["name"] == "HD Ticket Order Actions")
	result = subprocess.run(
		["node", "-e", NODE_CHECK], input=script, capture_output=True, text=True, timeout=60
	)
	assert result.returncode == 0, result.stderr
	out = json.loads(result.stdout)
	assert out["actions"] == [["Send order status", "mail"], ["Start a return", "rotate-ccw"]]
	assert out["calls"] == [
		["get_order_history", {"doctype": "HD Ticket", "name": "42", "page_length": 500}],
		["get_return_lines", {"ticket": "42"}],
	]
	assert out["dialogs"] == 2
