// Ticket SLA notices (CRM Order Extension): a live toast on the open /helpdesk ticket when the
// 5-minute sweep sends its agent an at-risk warning or a breach notice for that ticket
// (crm_order_extension/ticket_sla/notices.py: the events below, to that user, after commit, with
// `{doctype: "HD Ticket", name, kind, metric, message}`, the message in the agent's language).
// A breach also makes Helpdesk reload the ticket (helpdesk:ticket-update), which shows Failed.
// Helpdesk runs this setupForm on every load of a ticket; the listener is added once per page and
// serves whichever ticket is open when a notice arrives. v1.2x passes a toast helper (frappe-ui's
// `toast`); v1.5 passes none, so a small toast of our own is shown there.
// The HD Form Script "HD Ticket SLA Notices" (fixtures/hd_form_script.json, written by
// `python -m crm_order_extension.form_scripts` from hd_shared.js and this file).
/* global helpdeskSocket, element */
/* exported setupForm */
function setupForm({ toast } = {}) {
	const page = (window.__coeTicketSlaNotices = window.__coeTicketSlaNotices || {});
	page.toast = toast && typeof toast.error === "function" ? toast : null;
	if (page.listening) return { actions: [] };
	const socket = helpdeskSocket();
	if (!socket) return { actions: [] };
	page.listening = true;

	const levels = { sla_at_risk: "warning", sla_failed: "error", sla_resolution_failed: "error" };
	const t = (text) => (typeof window.__ === "function" ? window.__(text) : text);

	// The ticket the agent has open, from the address (the page may have moved on since the script ran).
	function openTicket() {
		const match = window.location.pathname.match(/\/helpdesk\/tickets\/([^/]+)/);
		return match ? decodeURIComponent(match[1]) : null;
	}

	function escapeHtml(text) {
		return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
	}

	function ownToast(message, level) {
		let stack = document.getElementById("coe-ticket-sla-toasts");
		if (!stack) {
			stack = element(
				"div",
				"position:fixed;right:16px;bottom:16px;z-index:10000;display:flex;flex-direction:column;gap:8px;width:min(400px,calc(100vw - 32px))"
			);
			stack.id = "coe-ticket-sla-toasts";
			document.body.append(stack);
		}
		const color = level === "error" ? "#e03636" : "#db7706";
		const card = element(
			"div",
			`display:flex;align-items:flex-start;gap:10px;padding:12px 14px;background:#fff;color:#171717;border-radius:8px;border-left:4px solid ${color};box-shadow:0 4px 16px rgba(0,0,0,.16);font-size:14px;line-height:1.4`
		);
		card.setAttribute("role", level === "error" ? "alert" : "status");
		const text = element("div", "flex:1;overflow-wrap:anywhere", message);
		const close = element("button", "font-size:18px;line-height:1;padding:0 4px;color:#7c7c7c", "\u00d7");
		close.setAttribute("aria-label", t("Close"));
		close.onclick = () => card.remove();
		card.append(text, close);
		stack.append(card);
		setTimeout(() => card.remove(), 15000);
	}

	Object.entries(levels).forEach(([event, level]) => {
		socket.on(event, (data) => {
			if (!data || data.doctype !== "HD Ticket" || !data.message) return;
			if (String(data.name) !== openTicket()) return;
			// Helpdesk's toast renders its message as (sanitised) HTML: the notice is text.
			if (page.toast) page.toast[level](escapeHtml(data.message), { duration: 15 });
			else ownToast(data.message, level);
		});
	});
	return { actions: [] };
}
