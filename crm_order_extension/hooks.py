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

required_apps = ["frappe", "erpnext", "payments", "crm", "helpdesk"]

# Installation
# ------------

after_install = "crm_order_extension.setup.install.after_install"
after_migrate = "crm_order_extension.setup.install.after_migrate"
before_uninstall = "crm_order_extension.setup.install.before_uninstall"

# Fixtures
# --------
# Every record this app owns in other apps' DocTypes is listed here, filtered to this app's
# records. `before_uninstall` removes exactly these, so the list is the single source of truth.

fixtures = []
