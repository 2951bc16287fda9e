app_name = "crm_order_extension"
app_title = "CRM Order Extension"
app_publisher = "CRM Order Extension contributors"
app_description = (
	"Order & production history in CRM Leads, Deals and HD Tickets, a dual lead SLA "
	"and order pipelines for ERPNext, Frappe CRM and Helpdesk"
)
app_email = "dev@crm-order-extension.invalid"
app_license = "mit"

# Apps
# ------------------

# "org/repo" form: Frappe resolves a bare app name by asking GitHub, which offline benches cannot.
required_apps = ["frappe/frappe", "frappe/erpnext", "frappe/payments", "frappe/crm", "frappe/helpdesk"]

# Installation
# ------------

after_install = "crm_order_extension.setup.install.after_install"
after_migrate = "crm_order_extension.setup.install.after_migrate"
before_uninstall = "crm_order_extension.setup.install.before_uninstall"

# Testing
# -------

before_tests = "crm_order_extension.setup.install.before_tests"

# Fixtures
# --------
# Every record this app owns in other apps' DocTypes is listed here, filtered to this app's
# records. `before_uninstall` removes exactly these, so the list is the single source of truth.

fixtures = [
	{"dt": "Custom Field", "filters": [["module", "=", "CRM Order Extension"]]},
	{
		"dt": "CRM Form Script",
		"filters": [["name", "in", ["CRM Lead Order History", "CRM Deal Order History"]]],
	},
	{
		"dt": "HD Form Script",
		"filters": [
			[
				"name",
				"in",
				["HD Ticket Order History", "HD Ticket SLA Notices", "HD Ticket Order Actions"],
			]
		],
	},
	# indexes on other apps' fields that the app's event paths look up (search_index, so Frappe's
	# schema sync keeps them)
	{"dt": "Property Setter", "filters": [["module", "=", "CRM Order Extension"]]},
]

# Desk
# ----

app_include_js = "/assets/crm_order_extension/js/sla_notices.js"
doctype_js = {
	"CRM Lead": "public/js/order_history_form.js",
	"CRM Deal": ["public/js/order_history_form.js", "public/js/deal_quotes_form.js"],
	"HD Ticket": "public/js/order_history_form.js",
	"Formation Order": "public/js/pipeline_order.js",
	"Compliance Service": "public/js/pipeline_order.js",
}
doctype_list_js = {
	"CRM Lead": "public/js/order_history_list.js",
	"CRM Deal": "public/js/order_history_list.js",
	"HD Ticket": "public/js/order_history_list.js",
	"Formation Order": "public/js/pipeline_order_list.js",
	"Compliance Service": "public/js/pipeline_order_list.js",
}

# Document Events
# ---------------

doc_events = {
	"Sales Order": {
		# on_change also runs for status changes made with db_set after submit
		"on_change": "crm_order_extension.orders.sync.on_sales_order_change",
		"validate": "crm_order_extension.pipelines.payment.validate_sales_order",
		"on_cancel": "crm_order_extension.pipelines.payment.on_sales_order_cancel",
	},
	"Sales Invoice": {
		# on_change also runs when a Payment Entry settles the invoice (ERPNext's set_status)
		"on_change": [
			"crm_order_extension.pipelines.payment.on_sales_invoice_change",
			# its customer's history shows billing, payment and credit notes per order
			"crm_order_extension.orders.sync.on_billing_or_delivery_change",
		],
		"on_cancel": [
			"crm_order_extension.pipelines.payment.on_sales_invoice_cancel",
			# deal status rules: the deal's orders paid (orders/deal_status.py)
			"crm_order_extension.orders.deal_status.on_invoice_change",
		],
		"on_submit": "crm_order_extension.orders.deal_status.on_invoice_change",
	},
	"Work Order": {
		"on_change": "crm_order_extension.orders.sync.on_work_order_change",
		"on_trash": "crm_order_extension.orders.sync.on_work_order_change",
	},
	"Communication": {
		# on_update of the insert: after Frappe's own first-response bookkeeping
		"on_update": "crm_order_extension.sla.communication.on_communication_insert",
	},
	"CRM Lead": {
		# before CRM's before_validate picks the SLA: a new lead has its status (compat)
		"before_insert": "crm_order_extension.sla.records.on_lead_before_insert",
		# after CRM's apply_sla: a running cycle's target stays the record's (rolling responses)
		"before_save": "crm_order_extension.sla.records.keep_cycle_clock",
		"after_insert": [
			"crm_order_extension.sla.records.on_record_insert",
			# a returning customer's orders show on a new record without anyone pressing Fetch
			"crm_order_extension.orders.sync.on_record_insert",
		],
		"on_change": "crm_order_extension.sla.records.on_lead_change",
		"on_update": "crm_order_extension.orders.sync.on_record_update",
		"validate": [
			# setting the ERPNext Customer needs read access to that customer
			"crm_order_extension.orders.permissions.validate_explicit_customer",
			# a form opened before a background sync must not write its old sync fields back
			"crm_order_extension.server_owned.keep_stored_values",
		],
		"on_trash": "crm_order_extension.orders.history.delete_rows",
	},
	"CRM Deal": {
		# CRM's Convert to Deal copies every same-named field, tables included
		"before_insert": "crm_order_extension.sla.records.on_deal_before_insert",
		"before_save": "crm_order_extension.sla.records.keep_cycle_clock",
		"after_insert": [
			"crm_order_extension.sla.records.on_record_insert",
			"crm_order_extension.orders.sync.on_record_insert",
		],
		"validate": [
			"crm_order_extension.orders.permissions.validate_explicit_customer",
			"crm_order_extension.server_owned.keep_stored_values",
		],
		"on_update": [
			"crm_order_extension.orders.sync.on_record_update",
			# Deal won -> draft Sales Order (after CRM's own on_update, which may create the customer)
			"crm_order_extension.orders.deal_won.on_deal_update",
		],
		"on_trash": [
			"crm_order_extension.orders.history.delete_rows",
			"crm_order_extension.orders.deal_status.delete_moves",
		],
	},
	"HD Ticket": {
		# after Helpdesk's apply_sla: the at-risk points follow response_by / resolution_by
		"before_save": "crm_order_extension.ticket_sla.targets.on_ticket_before_save",
		"after_insert": "crm_order_extension.orders.sync.on_record_insert",
		"on_update": "crm_order_extension.orders.sync.on_record_update",
		"validate": [
			"crm_order_extension.orders.permissions.validate_explicit_customer",
			"crm_order_extension.server_owned.keep_stored_values",
		],
		"on_trash": "crm_order_extension.orders.history.delete_rows",
	},
	"Contact": {
		# emails and customer links decide which customer a lead, deal or ticket belongs to
		"on_update": "crm_order_extension.orders.sync.on_contact_update",
	},
	# Quote to cash beside each order (issue 18): shipping and returns (billing: Sales Invoice above).
	"Delivery Note": {"on_change": "crm_order_extension.orders.sync.on_billing_or_delivery_change"},
	"Shipment": {"on_change": "crm_order_extension.orders.sync.on_shipment_change"},
	"Customer": {
		"on_update": "crm_order_extension.orders.sync.on_customer_update",
		# its stored order history goes with it (a link that would otherwise block the delete)
		"on_trash": "crm_order_extension.orders.history.delete_customer_history",
	},
	"CRM Order Extension Settings": {
		"validate": "crm_order_extension.ticket_sla.targets.validate_settings",
		"on_update": [
			# who may read the stored order history rows follows the settings' role list
			"crm_order_extension.orders.permissions.on_settings_update",
			# a new ticket warning threshold moves the pending warnings
			"crm_order_extension.ticket_sla.targets.on_settings_update",
		],
	},
	# deal status rules (issue 18): a submitted quotation, the deal's orders paid
	"Quotation": {"on_submit": "crm_order_extension.orders.deal_status.on_quotation_submit"},
	"Payment Entry": {
		"on_submit": "crm_order_extension.orders.deal_status.on_payment_change",
		"on_cancel": "crm_order_extension.orders.deal_status.on_payment_change",
	},
	"File": {
		# a document holding a Sensitive ID stays private and is copied only by viewers
		"before_validate": "crm_order_extension.pipelines.sensitive_documents.guard_file",
		"on_trash": "crm_order_extension.pipelines.sensitive_documents.prune",
	},
}

# Scheduled Tasks
# ---------------

scheduler_events = {
	"cron": {
		# SLA breaches must be seen within 5 minutes
		"*/5 * * * *": ["crm_order_extension.sla.sweep.sweep"],
	},
	"daily": [
		"crm_order_extension.sla.health.daily_health_check",
		"crm_order_extension.pipelines.calendar.daily_refresh",
		"crm_order_extension.pipelines.commission.daily_eligibility",
		"crm_order_extension.orders.bulk.refresh_open_histories",
	],
}

# Permissions
# -----------
# Sales Agents see only their own commissions, agent record and referred orders.

permission_query_conditions = {
	"Commission Ledger": "crm_order_extension.pipelines.permissions.commission_ledger_query",
	"Sales Agent": "crm_order_extension.pipelines.permissions.sales_agent_query",
	"Formation Order": "crm_order_extension.pipelines.permissions.referred_order_query",
	"Compliance Service": "crm_order_extension.pipelines.permissions.referred_order_query",
	"Referral Partner": "crm_order_extension.pipelines.permissions.referral_partner_query",
}

has_permission = {
	"Commission Ledger": "crm_order_extension.pipelines.permissions.has_commission_ledger_permission",
	"Sales Agent": "crm_order_extension.pipelines.permissions.has_sales_agent_permission",
	"Formation Order": "crm_order_extension.pipelines.permissions.has_referred_order_permission",
	"Compliance Service": "crm_order_extension.pipelines.permissions.has_referred_order_permission",
	"Referral Partner": "crm_order_extension.pipelines.permissions.has_referral_partner_permission",
}

# Jinja
# -----
# Document templates read a Sensitive ID only through this logged helper (Frappe v15's hook is
# `jinja`; a method is named after its function): sensitive_id(customer, id_type, entity_name,
# purpose=...) and reveal_for_document(...).

jinja = {
	"methods": [
		"crm_order_extension.pipelines.sensitive_ids.sensitive_id",
		"crm_order_extension.pipelines.sensitive_ids.reveal_for_document",
	]
}

# Order history access
# --------------------
# The app's endpoints answer errors with their message only, also where Frappe refuses the call
# before the method runs (Guest, wrong HTTP method).
before_request = ["crm_order_extension.api.utils.quiet_errors"]

# Once the request's user is known (API keys included): a file holding a Sensitive ID downloads
# for Sensitive Data Viewers only, by every route Frappe serves file content on.
auth_hooks = ["crm_order_extension.pipelines.sensitive_documents.guard_downloads"]

# CRM's lead and deal pages load the whole document; these drop the fields above the user's
# permission level (the order history), as Desk and the REST API do.
override_whitelisted_methods = {
	"crm.fcrm.doctype.crm_lead.api.get_lead": "crm_order_extension.api.crm.get_lead",
	"crm.fcrm.doctype.crm_deal.api.get_deal": "crm_order_extension.api.crm.get_deal",
}

# Order documents
# ---------------
# Generators of a pipeline order's documents, by key: "*" (every order), a pipeline DocType,
# "Formation" or a Compliance Service type. Each gets (order, context) and returns
# [(file name stem, bytes, extension)]; the built-in one renders the Document Templates.
crm_order_extension_document_generators = {
	"*": ["crm_order_extension.pipelines.documents.render_templates"],
}
