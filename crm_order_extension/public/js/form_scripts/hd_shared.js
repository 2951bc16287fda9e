// What the app's /helpdesk form scripts share (each HD Form Script is this file followed by its own
// source, written by `python -m crm_order_extension.form_scripts`).
// Helpdesk passes its form scripts no socket, but both v1.5 and v1.2x keep their socket.io client on
// the Vue app (`app.config.globalProperties.$socket`), which Vue exposes on the mount element.
/* exported helpdeskSocket */
function helpdeskSocket() {
	const app = document.querySelector("#app")?.__vue_app__;
	return app?.config?.globalProperties?.$socket || null;
}
