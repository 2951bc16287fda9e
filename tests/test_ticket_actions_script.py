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
		listeners: [], addEventListener(type, fn) { this.listeners.push([type, fn]); },
		replaceChildren() {}, setAttribute() {}, remove() { this.removed = true; },
		set textContent(v) { this.text = v; },
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
	// A click inside a dialog (a checkbox, a link) keeps its default action; one on the backdrop
	// closes it. An `onclick` property returning false would cancel every click inside.
	const clicks = appended.map((overlay) => {
		let prevented = false;
		const inside = { target: overlay.children[0], preventDefault: () => (prevented = true) };
		const handlers = [...overlay.listeners.filter(([t]) => t === "click").map(([, f]) => f), overlay.onclick].filter(Boolean);
		const cancelled = handlers.map((f) => f(inside)).some((r) => r === false);
		const stays = !overlay.removed;
		handlers.forEach((f) => f({ target: overlay, preventDefault() {} }));
		return { kept: !prevented && !cancelled && stays, closes: Boolean(overlay.removed) };
	});
	console.log(JSON.stringify({
		clicks,
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
	assert out["clicks"] == [{"kept": True, "closes": True}] * 2
