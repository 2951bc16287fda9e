from crm_order_extension.core.order_access import DEFAULT_ROLES, field_rule_changes, may_see_history


def test_listed_role_or_sales_order_read_sees_histories():
	assert may_see_history(["Agent"], DEFAULT_ROLES, reads_sales_orders=False)
	assert may_see_history(["Accounts User"], DEFAULT_ROLES, reads_sales_orders=True)
	assert not may_see_history(["Blogger", "All"], DEFAULT_ROLES, reads_sales_orders=False)
	assert not may_see_history(["Agent"], [], reads_sales_orders=False)


def test_user_permissions_on_customer_narrow_to_those_customers():
	assert may_see_history(["Agent"], DEFAULT_ROLES, False, "Acme", ["Acme", "Beta"])
	assert not may_see_history(["Agent"], DEFAULT_ROLES, False, "Gamma", ["Acme"])
	assert may_see_history(["Agent"], DEFAULT_ROLES, False, "Gamma", None)
	# No customer matched: nothing of a customer is shown.
	assert may_see_history(["Agent"], DEFAULT_ROLES, False, None, ["Acme"])
	# The role requirement comes first.
	assert not may_see_history(["Blogger"], DEFAULT_ROLES, False, "Acme", ["Acme"])


def test_grants_need_a_level_zero_rule_of_the_role():
	rules = [("Sales User", 0), ("Sales Manager", 0), ("All", 0), ("Sales Manager", 1)]
	grant, revoke = field_rule_changes(rules, ["Sales User", "Sales Manager", "Agent"], [], 1)
	# Sales Manager has its level-1 rule already; Agent reads only through "All".
	assert (grant, revoke) == (["Sales User"], [])


def test_revokes_only_existing_rules_and_revoke_wins():
	rules = [("Sales User", 0), ("Sales User", 1), ("Agent", 0)]
	assert field_rule_changes(rules, ["Agent"], ["Sales User", "Support"], 1) == (["Agent"], ["Sales User"])
	assert field_rule_changes(rules, ["Agent"], ["Agent"], 1) == ([], [])


def test_defaults_cover_sales_helpdesk_and_admins():
	assert set(DEFAULT_ROLES) == {"Sales User", "Sales Manager", "Agent", "System Manager"}
