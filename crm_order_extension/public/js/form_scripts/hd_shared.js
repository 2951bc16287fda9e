// What the app's /helpdesk form scripts share (each HD Form Script is this file followed by its own
// source, written by `python -m crm_order_extension.form_scripts`).
/* exported helpdeskSocket, helpdeskPost, element, closeOnBackdrop */

// Helpdesk passes its form scripts no socket, but both v1.5 and v1.2x keep their socket.io client on
// the Vue app (`app.config.globalProperties.$socket`), which Vue exposes on the mount element.
function helpdeskSocket() {
	const app = document.querySelector("#app")?.__vue_app__;
	return app?.config?.globalProperties?.$socket || null;
}

// POST to a whitelisted method of the app (`crm_order_extension.api.<method>`) as the signed-in
// user; a refusal (4xx with Frappe's one-line message) becomes an Error carrying that line.
async function helpdeskPost(method, args) {
	const response = await fetch("/api/method/crm_order_extension.api." + method, {
		method: "POST",
		headers: {
			Accept: "application/json",
			"Content-Type": "application/json",
			"X-Frappe-CSRF-Token": window.csrf_token,
		},
		body: JSON.stringify(args),
	});
	const data = await response.json().catch(() => ({}));
	if (!response.ok) {
		const messages = data._server_messages
			? JSON.parse(data._server_messages).map((m) => JSON.parse(m).message)
			: [];
		throw new Error(messages.join(" ") || data._error_message || response.statusText);
	}
	return data.message;
}

// A DOM node with inline style (the scripts render outside Helpdesk's components) and safe text.
function element(tag, css, text) {
	const node = document.createElement(tag);
	if (css) node.style.cssText = css;
	if (text !== undefined) node.textContent = text;
	return node;
}

// A click on the overlay's backdrop closes it. A listener, not an `onclick` property: a handler
// property that returns false cancels the click, so checkboxes inside would not toggle and links
// (a delivery's tracking link) would not open.
function closeOnBackdrop(overlay) {
	overlay.addEventListener("click", (event) => {
		if (event.target === overlay) overlay.remove();
	});
}
