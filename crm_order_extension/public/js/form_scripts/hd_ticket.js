// Order & production history (CRM Order Extension): the ticket sidebar shows the customer's order
// summary on open (stored; opening never re-syncs), "View orders" shows the stored history and
// Refresh re-syncs it. The summary stays live: the script listens on Helpdesk's own socket for the
// app's history events (this ticket re-resolved, or its customer's history changed after an order
// change), and Helpdesk re-runs the script when the ticket reloads (helpdesk:ticket-update).
// The HD Form Script "HD Ticket Order History" (fixtures/hd_form_script.json, written by
// `python -m crm_order_extension.form_scripts`); Helpdesk evaluates it and calls setupForm.
/* global helpdeskSocket, helpdeskPost, element, closeOnBackdrop */
/* exported setupForm */
function setupForm({ doc }) {
	const t = typeof window.__ === "function" ? window.__ : (text) => text;
	const ticket = String(doc.name);

	const post = (method, args) => helpdeskPost("orders." + method, args);

	async function sync() {
		// The agent UI loads the ticket's contact as an object
		const contact = doc.contact && typeof doc.contact === "object" ? doc.contact.name : doc.contact;
		return post("hd_ticket_fetch_orders", { contact, ticket_name: ticket });
	}

	function show(ok, message, html) {
		document.getElementById("coe-order-history")?.remove();
		const overlay = element(
			"div",
			"position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.35);display:flex;align-items:center;justify-content:center"
		);
		overlay.id = "coe-order-history";
		const box = element(
			"div",
			"background:#fff;border-radius:12px;padding:20px;width:min(1180px,96vw);max-height:90vh;overflow:auto;box-shadow:0 10px 30px rgba(0,0,0,.2)"
		);
		const head = element(
			"div",
			"display:flex;justify-content:space-between;align-items:center;margin-bottom:12px;gap:8px"
		);
		const title = element("strong", "flex:1", t("Order History"));
		const refresh = element(
			"button",
			"padding:4px 12px;border-radius:6px;background:#171717;color:#fff;font-size:13px",
			t("Refresh")
		);
		refresh.onclick = async () => {
			refresh.disabled = true;
			try {
				const result = await sync();
				const view = await post("get_order_history_html", { doctype: "HD Ticket", name: ticket });
				show(result.success, result.message, view.html);
			} catch (error) {
				show(false, error.message, html);
			}
		};
		const close = element("button", "font-size:20px;line-height:1;padding:0 6px", "\u00d7");
		close.onclick = () => overlay.remove();
		head.append(title, refresh, close);
		box.append(head);
		if (message) {
			box.append(
				element(
					"div",
					ok
						? "padding:6px 10px;border-radius:6px;margin-bottom:10px;color:#137333;background:#e6f4ea"
						: "padding:6px 10px;border-radius:6px;margin-bottom:10px;color:#c81e1e;background:#fde8e8",
					message
				)
			);
		}
		const body = element("div");
		body.innerHTML = html || "";
		box.append(body);
		overlay.append(box);
		closeOnBackdrop(overlay);
		document.body.append(overlay);
	}

	async function openStored() {
		try {
			const view = await post("get_order_history_html", { doctype: "HD Ticket", name: ticket });
			show(true, "", view.html);
		} catch (error) {
			show(false, error.message, "");
		}
	}

	// Where the summary goes. Helpdesk's form scripts can add header actions but nothing to the
	// sidebar, so the script anchors on what each Helpdesk keeps stable (README, Requirements):
	// v1.5 has a fixed-width sidebar (the summary goes under the ticket number); later ones a
	// resizable one whose first block holds the core ticket fields (class "form-control-core"), and
	// the summary goes under that block, above "Ticket Info". Neither found: a console error says so.
	function sidebarSlot() {
		const fixed = Array.from(document.querySelectorAll("div")).find((node) =>
			String(node.className || "").includes("w-[382px]")
		);
		if (fixed) return { parent: fixed, before: fixed.children[1] || null };
		const block = document.querySelector(".form-control-core")?.closest(".shrink-0");
		if (block && block.parentElement) return { parent: block.parentElement, before: block.nextSibling };
		return null;
	}

	// Helpdesk re-runs this script on every change of the ticket (and another ticket may open):
	// only the newest run draws the summary.
	const run = (window.__coeOrderSummaryRun = (window.__coeOrderSummaryRun || 0) + 1);

	async function renderSummary(attempt = 0) {
		if (run !== window.__coeOrderSummaryRun) return;
		const slot = sidebarSlot();
		if (!slot) {
			if (attempt < 40) {
				setTimeout(() => renderSummary(attempt + 1), 250);
			} else {
				console.error(
					"CRM Order Extension: the order summary of ticket " +
						ticket +
						" has no place in this Helpdesk " +
						"sidebar (neither its fixed-width sidebar nor the core ticket fields, .form-control-core, were " +
						'found). The header action "Fetch Order History" still opens the history.'
				);
			}
			return;
		}
		let history;
		try {
			history = await post("get_order_history", { doctype: "HD Ticket", name: ticket, page_length: 1 });
		} catch {
			return; // not allowed to see order histories
		}
		if (run !== window.__coeOrderSummaryRun) return;
		window.__coeOrderSummaryShown = { ticket, history: history.history, refresh: () => renderSummary() };
		document.getElementById("coe-order-summary")?.remove();
		const summary = history.summary || {};
		const box = element(
			"div",
			"padding:12px 20px;border-bottom:1px solid #e5e7eb;font-size:13px;line-height:1.5"
		);
		box.id = "coe-order-summary";
		box.dataset.ticket = ticket;
		const head = element("div", "display:flex;justify-content:space-between;align-items:center");
		head.append(element("span", "color:#4b5563", t("Orders")));
		const open = element("button", "color:#2563eb;font-size:13px", t("View orders"));
		open.onclick = openStored;
		head.append(open);
		box.append(head);
		const color = summary.late_lines ? "#c81e1e" : "#111827";
		box.append(
			element(
				"div",
				"font-weight:600;color:" + color,
				summary.order_summary || (history.synced_on ? t("No open orders") : t("Not synced yet"))
			)
		);
		if (summary.latest_order_status) {
			box.append(
				element("div", "color:#6b7280", t("Latest order") + ": " + t(summary.latest_order_status))
			);
		}
		if (history.header_text) box.append(element("div", "color:#6b7280", history.header_text));
		const current = sidebarSlot() || slot;
		current.parent.insertBefore(box, current.before);
	}

	// One listener per page; it serves the ticket shown last (the newest run).
	function listen() {
		const socket = helpdeskSocket();
		if (!socket || window.__coeOrderSummaryListening) return;
		window.__coeOrderSummaryListening = true;
		socket.on("crm_order_extension:history_changed", (data) => {
			const shown = window.__coeOrderSummaryShown;
			if (!shown || !data) return;
			const record = data.doctype === "HD Ticket" && String(data.name) === shown.ticket;
			if (record || (data.history && data.history === shown.history)) shown.refresh();
		});
	}

	renderSummary();
	listen();

	return {
		actions: [
			{
				label: t("Fetch Order History"),
				// Helpdesk v1.2x binds the whole action to its Button, where `icon` makes an icon-only
				// button (plus its own prefix icon); `iconLeft` keeps the label there, v1.5 ignores it.
				iconLeft: "package",
				onClick: async () => {
					try {
						const result = await sync();
						const view = await post("get_order_history_html", {
							doctype: "HD Ticket",
							name: ticket,
						});
						show(result.success, result.message, view.html);
						renderSummary();
					} catch (error) {
						show(false, error.message, "");
					}
				},
			},
		],
	};
}
