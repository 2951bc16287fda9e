"""What the tier-3 runner does on the site itself: users and API keys for the run, the settings a
run needs (put back afterwards), time travel for SLA targets, and removing every record the run
made. Everything the tests check goes over HTTP; this is only setup and teardown."""

import socketserver
import threading

import frappe

RUN_DOMAIN = "e2e.coe.example.com"

# Roles of the users the tests act as.
USERS = {
	"admin": [
		"System Manager",
		"Sales Manager",
		"Sales User",
		"Accounts Manager",
		"Accounts User",
		"Stock Manager",
		"Stock User",
		"Manufacturing Manager",
		"Manufacturing User",
		"Operations",
		"Order Reviewer",
		"Item Manager",
	],
	"sales": ["Sales User"],
	"agent": ["Agent"],
	# a desk user with no role of its own, who reads a lead assigned to it (e2e_permissions)
	"crm_only": [],
	"sales_agent": ["Sales Agent"],
	# the referring agent of e2e_documents' order (its own agent record)
	"docs_agent": ["Sales Agent"],
}


class SMTPSink:
	"""A local SMTP server that accepts and keeps every message: Frappe validates an Email Account
	by connecting to it, and mail the run sends is delivered on this machine, never elsewhere."""

	def __init__(self):
		self.messages: list[bytes] = []
		sink = self

		class Handler(socketserver.StreamRequestHandler):
			def reply(self, text: str):
				self.wfile.write(text.encode() + b"\r\n")

			def handle(self):
				self.reply("220 coe-e2e ESMTP")
				lines, in_data = [], False
				while line := self.rfile.readline():
					if in_data:
						if line.rstrip(b"\r\n") == b".":
							sink.messages.append(b"".join(lines))
							lines, in_data = [], False
							self.reply("250 OK")
						else:
							lines.append(line)
						continue
					command = line[:4].upper()
					if command == b"EHLO":
						self.reply("250-coe-e2e")
						self.reply("250 8BITMIME")
					elif command == b"DATA":
						in_data = True
						self.reply("354 End data with <CR><LF>.<CR><LF>")
					elif command == b"QUIT":
						self.reply("221 Bye")
						return
					else:  # HELO, MAIL, RCPT, RSET, NOOP
						self.reply("250 OK")

		self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
		self.server.daemon_threads = True
		self.port = self.server.server_address[1]
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def close(self):
		self.server.shutdown()
		self.server.server_close()


def email_of(key: str, run_id: str) -> str:
	return f"{key}-{run_id}@{RUN_DOMAIN}"


class Harness:
	def __init__(self, site: str, run_id: str):
		self.site = site
		self.run_id = run_id
		# (single doctype, field, old value, whether it had a row): put back as found
		self.restore: list[tuple[str, str, object, bool]] = []
		self.users: dict[str, tuple[str, str]] = {}
		self.jobs_can_run = False  # set once a worker serves the site
		self.outgoing_account = None
		self.smtp = None

	def connect(self):
		frappe.init(site=self.site, sites_path=".")
		frappe.connect()
		frappe.set_user("Administrator")

	def close(self):
		frappe.destroy()

	def commit(self):
		frappe.db.commit()

	def refresh(self):
		"""End the harness's read snapshot so it sees what the web and worker processes wrote."""
		frappe.db.rollback()

	# Settings -------------------------------------------------------------------------------

	def set_single(self, doctype: str, field: str, value):
		old = frappe.db.get_single_value(doctype, field)
		if old != value:
			# The row as stored (or its absence), put back exactly by restore_single.
			stored = frappe.db.sql(
				"SELECT `value` FROM `tabSingles` WHERE `doctype` = %s AND `field` = %s", (doctype, field)
			)
			self.restore.append((doctype, field, stored[0][0] if stored else None, bool(stored)))
			frappe.db.set_single_value(doctype, field, value)
			frappe.db.commit()

	def restore_single(self, doctype: str, field: str, stored, had_row: bool):
		frappe.db.delete("Singles", {"doctype": doctype, "field": field})
		if had_row:
			frappe.db.sql(
				"INSERT INTO `tabSingles` (`doctype`, `field`, `value`) VALUES (%s, %s, %s)",
				(doctype, field, stored),
			)
		frappe.clear_document_cache(doctype, doctype)

	def prepare_site(self):
		from crm_order_extension.tests import fixtures as fx
		from crm_order_extension.tests.site_state import prepare

		prepare()  # shared master data, as tier 2 uses it

		# CRM asks an exchange-rate site on Convert to Deal unless the currencies match.
		self.set_single("FCRM Settings", "currency", fx.CURRENCY)
		# The real cron only runs for a site whose scheduler is on.
		self.set_single("System Settings", "enable_scheduler", 1)
		if not frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
			self.smtp = SMTPSink()
			self.outgoing_account = (
				frappe.get_doc(
					{
						"doctype": "Email Account",
						"email_account_name": f"E2E {self.run_id}",
						"email_id": f"outgoing-{self.run_id}@{RUN_DOMAIN}",
						"smtp_server": "127.0.0.1",
						"smtp_port": str(self.smtp.port),
						"use_tls": 0,
						"use_ssl": 0,
						"enable_outgoing": 1,
						"default_outgoing": 1,
						"no_smtp_authentication": 1,
						"awaiting_password": 0,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		frappe.db.commit()

	def restore_site(self):
		for doctype, field, value, had_row in reversed(self.restore):
			self.restore_single(doctype, field, value, had_row)
		self.restore.clear()
		if self.outgoing_account:
			frappe.delete_doc(
				"Email Account",
				self.outgoing_account,
				force=True,
				ignore_permissions=True,
				delete_permanently=True,
			)
		frappe.db.commit()
		if self.smtp:
			self.smtp.close()

	# Users ----------------------------------------------------------------------------------

	def make_user(self, key: str, roles: list[str]) -> tuple[str, str]:
		email = email_of(key, self.run_id)
		roles = [r for r in roles if frappe.db.exists("Role", r)]
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": f"E2E {key}",
				"send_welcome_email": 0,
				"user_type": "System User",
				"roles": [{"role": role} for role in roles],
			}
		).insert(ignore_permissions=True)
		user.api_key = frappe.generate_hash(length=15)
		secret = frappe.generate_hash(length=15)
		user.api_secret = secret
		user.save(ignore_permissions=True)
		frappe.db.commit()
		self.users[key] = (user.api_key, secret)
		return self.users[key]

	def make_users(self):
		for key, roles in USERS.items():
			self.make_user(key, roles)
		# A Helpdesk agent needs an HD Agent record besides the role; its name is mandatory since
		# Helpdesk v1.2x (v1.5 fetched it from the user): given on every version.
		if frappe.db.exists("DocType", "HD Agent"):
			user = email_of("agent", self.run_id)
			frappe.get_doc(
				{
					"doctype": "HD Agent",
					"user": user,
					"agent_name": frappe.db.get_value("User", user, "full_name") or user,
					"is_active": 1,
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()

	# Time travel ----------------------------------------------------------------------------

	def set_values(self, doctype: str, name, values: dict):
		frappe.db.set_value(doctype, name, values, update_modified=False)
		frappe.db.commit()

	def minutes_ago(self, minutes: int):
		"""A moment that many minutes ago in the site's time zone (what the sweep compares with)."""
		from frappe.utils import add_to_date, now_datetime

		return add_to_date(now_datetime(), minutes=-minutes)

	def make_overdue(self, doctype: str, name):
		"""The record's running response target (and its cycle row's) passed a minute ago, in the
		site's time zone."""
		from frappe.utils import add_to_date, now_datetime

		frappe.db.rollback()
		past = add_to_date(now_datetime(), minutes=-1)
		frappe.db.set_value(doctype, name, "response_by", past, update_modified=False)
		cycle = frappe.qb.DocType("CRM SLA Cycle")
		(
			frappe.qb.update(cycle)
			.set(cycle.response_by, past)
			.set(cycle.sweep_due, past)
			.where((cycle.parent == name) & (cycle.parenttype == doctype) & (cycle.outcome == "Running"))
			.run()
		)
		frappe.db.commit()

	def make_job_due(self, method: str):
		"""Move the Scheduled Job Type's last run back, so the scheduler's next tick finds it due."""
		from frappe.utils import add_to_date, now_datetime

		name = frappe.db.get_value("Scheduled Job Type", {"method": method})
		frappe.db.set_value(
			"Scheduled Job Type",
			name,
			"last_execution",
			add_to_date(now_datetime(), minutes=-10),
			update_modified=False,
		)
		frappe.db.commit()
		return name

	# Cleanup --------------------------------------------------------------------------------

	def wait_for_jobs(self, timeout: float = 180):
		"""Until the site has no queued or running job: what the run set off has finished (and a
		job started by the run must not recreate what the cleanup removes)."""
		import time

		from frappe.utils.background_jobs import get_queues
		from rq.registry import StartedJobRegistry

		if not self.jobs_can_run:
			return
		prefix = f"{self.site}::"
		deadline = time.monotonic() + timeout
		idle = 0
		while time.monotonic() < deadline:
			busy = [
				job_id
				for queue in get_queues()
				for job_id in (*queue.get_job_ids(), *StartedJobRegistry(queue=queue).get_job_ids())
				if job_id.startswith(prefix)
			]
			# A job a worker has just popped is briefly in neither list: idle twice in a row.
			idle = 0 if busy else idle + 1
			if idle == 2:
				return
			time.sleep(0.5)
		print(f"tier 3: jobs still busy after {timeout:.0f}s: {busy[:5]}", flush=True)

	def remove(self, records: list[tuple[str, str]]):
		"""Delete what the run made, newest first; submitted documents are cancelled first."""
		from crm_order_extension.tests.cleanup import delete_customers, delete_records

		self.wait_for_jobs()
		frappe.db.rollback()
		frappe.set_user("Administrator")
		delete_customers([name for doctype, name in records if doctype == "Customer"])
		delete_records(records)
		self._remove_derived()
		frappe.db.commit()
		# Removing documents queues jobs too (e.g. history re-syncs); let them finish, then sweep
		# what they may have made.
		self.wait_for_jobs()
		self._remove_derived()
		frappe.db.commit()

	def _remove_derived(self):
		"""Records Frappe, CRM and Helpdesk made around the run's users and documents."""
		from crm_order_extension.tests.cleanup import delete_records, delete_users

		like = f"%@{RUN_DOMAIN}"
		contacts = frappe.get_all("Contact Email", filters={"email_id": ("like", like)}, pluck="parent")
		communications = frappe.get_all("Communication", filters={"sender": ("like", like)}, pluck="name")
		communications += frappe.get_all(
			"Communication", filters={"recipients": ("like", f"%{RUN_DOMAIN}%")}, pluck="name"
		)
		delete_records(
			[("Contact", n) for n in set(contacts)] + [("Communication", n) for n in set(communications)]
		)
		queued = frappe.get_all(
			"Email Queue Recipient", filters={"recipient": ("like", like)}, pluck="parent"
		)
		if queued:
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", queued)})
			frappe.db.delete("Email Queue", {"name": ("in", queued)})
		if frappe.db.exists("DocType", "HD Agent"):
			frappe.db.delete("HD Agent", {"user": ("like", like)})
		delete_users([email_of(key, self.run_id) for key in USERS])
