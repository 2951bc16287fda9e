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
	{"dt": "HD Form Script", "filters": [["name", "in", ["HD Ticket Order History"]]]},
]

# Desk
# ----

doctype_js = {
	"CRM Lead": "public/js/order_history_form.js",
	"CRM Deal": "public/js/order_history_form.js",
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
		"on_change": "crm_order_extension.pipelines.payment.on_sales_invoice_change",
		"on_cancel": "crm_order_extension.pipelines.payment.on_sales_invoice_cancel",
	},
	"Work Order": {
		"on_change": "crm_order_extension.orders.sync.on_work_order_change",
		"on_trash": "crm_order_extension.orders.sync.on_work_order_change",
	},
	"Communication": {
		"after_insert": "crm_order_extension.sla.communication.on_communication_insert",
	},
	"CRM Lead": {
		"after_insert": "crm_order_extension.sla.records.on_record_insert",
		"on_change": "crm_order_extension.sla.records.on_lead_change",
	},
	"CRM Deal": {
		"after_insert": "crm_order_extension.sla.records.on_record_insert",
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
}

has_permission = {
	"Commission Ledger": "crm_order_extension.pipelines.permissions.has_commission_ledger_permission",
	"Sales Agent": "crm_order_extension.pipelines.permissions.has_sales_agent_permission",
	"Formation Order": "crm_order_extension.pipelines.permissions.has_referred_order_permission",
	"Compliance Service": "crm_order_extension.pipelines.permissions.has_referred_order_permission",
}
