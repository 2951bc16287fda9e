from crm_order_extension.orders.bulk import request_sync_all
from crm_order_extension.orders.customer import TARGETS


def execute():
	"""An order change now re-syncs the records resolved to its customer (their stored, indexed
	`custom_order_customer`), and every record is resolved when it is created or its customer's
	identity changes. Records from before that are resolved once, by one background pass."""
	request_sync_all(list(TARGETS))
