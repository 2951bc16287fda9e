"""Giving a test user a lead or deal the way CRM does on every release (README, Requirements):
CRM v1.81 lets a Sales User (or a user without a CRM role) at the leads and deals it owns
(lead_owner / deal_owner) or is assigned to; v1.52 grants by role, leads to everyone. An
assignment works on both: Frappe's assign_to shares the record with a user who cannot read it yet,
and CRM's hierarchy counts the open ToDo."""

import frappe


def assign(doctype: str, name: str, user: str) -> list[str]:
	"""Assign the record to `user` (as Administrator, like a manager in /crm); returns the ToDo names
	so a test that commits can remove them again."""
	# The test users want no email about it: Frappe builds the assignment email at once under tests
	# and fails where the site has no outgoing account (a user's own Notification Settings).
	from frappe.desk.doctype.notification_settings.notification_settings import create_notification_settings
	from frappe.desk.form.assign_to import add

	create_notification_settings(user)
	frappe.db.set_value("Notification Settings", user, "enable_email_assignment", 0)
	current = frappe.session.user
	frappe.set_user("Administrator")
	try:
		add({"doctype": doctype, "name": name, "assign_to": [user]}, ignore_permissions=True)
	finally:
		frappe.set_user(current)
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": doctype, "reference_name": name, "allocated_to": user},
		pluck="name",
	)
