// Agent actions on the order history (CRM Order Extension): header actions "Send order status"
// (the customer's orders to choose, the reply rendered from the Email Template "Order Status Reply"
// and editable, sent through Helpdesk's own agent reply) and "Start a return" (invoiced or delivered
// lines to pick with quantities, made into a draft Credit Note or return Delivery Note linked to the
// ticket). The server checks every permission and answers a refusal with one line, shown here.
// Each action lands in the ticket's activity and Helpdesk reloads the ticket.
// The HD Form Script "HD Ticket Order Actions" (fixtures/hd_form_script.json, written by
// `python -m crm_order_extension.form_scripts` from hd_shared.js and this file).
/* global helpdeskPost, element, closeOnBackdrop */
/* exported setupForm */
function setupForm({ doc }) {
	const t = typeof window.__ === "function" ? window.__ : (text) => text;
	const ticket = String(doc.name);
	const overlayId = "coe-ticket-action";

	function button(label, primary) {
		return element(
			"button",
			primary
				? "padding:4px 12px;border-radius:6px;background:#171717;color:#fff;font-size:13px"
				: "padding:4px 12px;border-radius:6px;background:#f3f3f3;color:#171717;font-size:13px",
			label
		);
	}

	// A small dialog like the order history overlay; returns its body and a notice line.
	function dialog(titleText) {
		document.getElementById(overlayId)?.remove();
		const overlay = element(
			"div",
			"position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.35);display:flex;align-items:center;justify-content:center"
		);
		overlay.id = overlayId;
		const box = element(
			"div",
			"background:#fff;border-radius:12px;padding:20px;width:min(720px,96vw);max-height:90vh;overflow:auto;box-shadow:0 10px 30px rgba(0,0,0,.2);font-size:13px"
		);
		const head = element(
			"div",
			"display:flex;justify-content:space-between;align-items:center;margin-bottom:12px;gap:8px"
		);
		const close = element("button", "font-size:20px;line-height:1;padding:0 6px", "\u00d7");
		close.setAttribute("aria-label", t("Close"));
		close.onclick = () => overlay.remove();
		head.append(element("strong", "flex:1;font-size:15px", titleText), close);
		const notice = element("div", "display:none");
		const body = element("div");
		const footer = element("div", "display:flex;justify-content:flex-end;gap:8px;margin-top:14px");
		box.append(head, notice, body, footer);
		overlay.append(box);
		closeOnBackdrop(overlay);
		document.body.append(overlay);
		function say(ok, message) {
			notice.style.cssText = ok
				? "padding:6px 10px;border-radius:6px;margin-bottom:10px;color:#137333;background:#e6f4ea"
				: "padding:6px 10px;border-radius:6px;margin-bottom:10px;color:#c81e1e;background:#fde8e8";
			notice.textContent = message;
		}
		return { overlay, body, footer, say };
	}

	function checkbox(checked) {
		const input = element("input");
		input.type = "checkbox";
		input.checked = checked;
		return input;
	}

	async function sendOrderStatus() {
		const view = dialog(t("Send order status"));
		let history;
		try {
			history = await helpdeskPost("orders.get_order_history", {
				doctype: "HD Ticket",
				name: ticket,
				page_length: 500,
			});
		} catch (error) {
			view.say(false, error.message);
			return;
		}
		const orders = new Map();
		for (const row of history.rows || []) {
			if (!orders.has(row.sales_order)) orders.set(row.sales_order, row);
		}
		if (!orders.size) {
			view.say(false, t("This ticket's customer has no orders"));
			return;
		}
		view.body.append(element("div", "color:#4b5563;margin-bottom:6px", t("Orders to include")));
		const picks = [];
		let first = true;
		for (const [name, row] of orders) {
			const label = element("label", "display:flex;gap:8px;align-items:center;padding:3px 0");
			const input = checkbox(first);
			first = false;
			picks.push({ name, input });
			label.append(input, element("span", "", `${name} · ${t(row.order_status || "")}`));
			view.body.append(label);
		}
		view.body.append(
			element("div", "color:#4b5563;margin:12px 0 6px", t("Reply (from the Email Template, editable)"))
		);
		const editor = element(
			"div",
			"border:1px solid #e5e7eb;border-radius:8px;padding:10px;min-height:120px;max-height:40vh;overflow:auto"
		);
		editor.contentEditable = "true";
		view.body.append(editor);
		const chosen = () => picks.filter((p) => p.input.checked).map((p) => p.name);
		let edited = false;
		editor.oninput = () => (edited = true);
		async function preview() {
			if (!chosen().length) {
				editor.innerHTML = "";
				return;
			}
			try {
				const rendered = await helpdeskPost("ticket_actions.preview_order_status", {
					ticket,
					orders: chosen(),
				});
				editor.innerHTML = rendered.message; // the server escapes every value
				edited = false;
			} catch (error) {
				view.say(false, error.message);
			}
		}
		picks.forEach((p) => (p.input.onchange = preview));
		const send = button(t("Send"), true);
		send.onclick = async () => {
			send.disabled = true;
			try {
				const result = await helpdeskPost("ticket_actions.send_order_status", {
					ticket,
					orders: chosen(),
					message: edited ? editor.innerHTML : null,
				});
				view.say(true, result.message);
				send.remove();
			} catch (error) {
				view.say(false, error.message);
				send.disabled = false;
			}
		};
		view.footer.append(send);
		preview();
	}

	async function startReturn() {
		const view = dialog(t("Start a return"));
		let found;
		try {
			found = await helpdeskPost("ticket_actions.get_return_lines", { ticket });
		} catch (error) {
			view.say(false, error.message);
			return;
		}
		if (!found.lines.length) {
			view.say(false, t("No invoiced or delivered lines of this customer's orders are left to return"));
			return;
		}
		const missing = Object.entries(found.can_create)
			.filter(([doctype, allowed]) => !allowed && found.lines.some((l) => l.doctype === doctype))
			.map(([doctype]) => t(doctype));
		if (missing.length) {
			view.say(
				false,
				t("You may not create a {0}: ask a colleague who may").replace("{0}", missing.join(", "))
			);
		}
		const table = element("table", "width:100%;border-collapse:collapse");
		const header = element("tr");
		[t("Return"), t("Sales Order"), t("Item"), t("Against"), t("Qty")].forEach((text) =>
			header.append(element("th", "text-align:left;padding:4px;border-bottom:1px solid #e5e7eb", text))
		);
		table.append(header);
		const picks = [];
		for (const line of found.lines) {
			const tr = element("tr");
			const input = checkbox(false);
			const qty = element(
				"input",
				"width:70px;border:1px solid #e5e7eb;border-radius:4px;padding:2px 4px"
			);
			qty.type = "number";
			qty.min = "0";
			qty.max = String(line.returnable_qty);
			qty.step = "any";
			qty.value = String(line.returnable_qty);
			picks.push({ line, input, qty });
			const cells = [
				input,
				line.sales_order,
				`${line.item_code}${line.item_name && line.item_name !== line.item_code ? " · " + line.item_name : ""}`,
				`${t(line.doctype)} ${line.against}`,
				qty,
			];
			for (const cell of cells) {
				const td = element("td", "padding:4px;border-bottom:1px solid #f3f3f3");
				if (typeof cell === "string") td.textContent = cell;
				else td.append(cell);
				tr.append(td);
			}
			table.append(tr);
		}
		view.body.append(table);
		const create = button(t("Create draft return"), true);
		create.onclick = async () => {
			create.disabled = true;
			try {
				const lines = picks
					.filter((p) => p.input.checked)
					.map((p) => ({ row: p.line.row, qty: Number(p.qty.value) }));
				const result = await helpdeskPost("ticket_actions.start_return", { ticket, lines });
				view.say(true, result.message);
				view.body.replaceChildren(
					...result.returns.map((made) => {
						const link = element("a", "display:block;color:#2563eb;padding:2px 0", made.name);
						link.href = `/app/${made.doctype.toLowerCase().replace(/ /g, "-")}/${encodeURIComponent(made.name)}`;
						link.target = "_blank";
						return link;
					})
				);
				create.remove();
			} catch (error) {
				view.say(false, error.message);
				create.disabled = false;
			}
		};
		view.footer.append(create);
	}

	return {
		actions: [
			// `iconLeft` keeps the label on Helpdesk v1.2x's header button; v1.5 ignores it (hd_ticket.js).
			{ label: t("Send order status"), iconLeft: "mail", onClick: sendOrderStatus },
			{ label: t("Start a return"), iconLeft: "rotate-ccw", onClick: startReturn },
		],
	};
}
