import pytest

from crm_order_extension.core.sla_notices import (
	AT_RISK,
	BREACH,
	EVENTS,
	RESOLUTION_MISSED,
	Delivery,
	UserSettings,
	plan,
	recipients,
)

OWNER = "owner@example.com"
MANAGER = "manager@example.com"
DEFAULTS = UserSettings()


def test_every_kind_has_its_own_event():
	assert EVENTS == {
		BREACH: "sla_failed",
		RESOLUTION_MISSED: "sla_resolution_failed",
		AT_RISK: "sla_at_risk",
	}


@pytest.mark.parametrize("kind", [BREACH, RESOLUTION_MISSED])
def test_failures_go_to_the_owner_first_then_the_role_once_each(kind):
	assert recipients(kind, OWNER, [MANAGER, OWNER, MANAGER]) == [OWNER, MANAGER]


def test_a_warning_goes_to_the_owner_only():
	assert recipients(AT_RISK, OWNER, [MANAGER]) == [OWNER]


def test_a_record_without_owner_still_reaches_the_role_but_no_one_is_warned():
	assert recipients(BREACH, None, [MANAGER]) == [MANAGER]
	assert recipients(AT_RISK, None, [MANAGER]) == []
	assert recipients(BREACH, "", []) == []


def test_guest_is_never_notified():
	assert recipients(BREACH, "Guest", ["Guest", MANAGER]) == [MANAGER]


def test_unknown_kind_is_refused():
	with pytest.raises(ValueError):
		recipients("sla_failed", OWNER)


def test_owner_with_default_settings_gets_every_channel():
	assert plan(BREACH, OWNER, [], {OWNER: DEFAULTS}) == [
		Delivery(OWNER, desk=True, email=True, crm=True, live=True)
	]


def test_role_users_get_no_live_event():
	(owner, manager) = plan(BREACH, OWNER, [MANAGER], {OWNER: DEFAULTS, MANAGER: DEFAULTS})
	assert (owner.user, owner.live) == (OWNER, True)
	assert manager == Delivery(MANAGER, desk=True, email=True, crm=True, live=False)


def test_email_follows_the_email_switch():
	on = UserSettings(notifications=True, email_notifications=True)
	off = UserSettings(notifications=True, email_notifications=False)
	assert plan(AT_RISK, OWNER, [], {OWNER: on})[0].email is True
	(delivery,) = plan(AT_RISK, OWNER, [], {OWNER: off})
	assert (delivery.desk, delivery.email, delivery.crm, delivery.live) == (True, False, True, True)


def test_notifications_off_means_no_desk_notice_and_so_no_email_but_crm_and_live_stay():
	off = UserSettings(notifications=False, email_notifications=True)
	(delivery,) = plan(BREACH, OWNER, [], {OWNER: off})
	assert (delivery.desk, delivery.email, delivery.crm, delivery.live) == (False, False, True, True)


def test_disabled_or_unknown_users_get_nothing():
	settings = {OWNER: UserSettings(enabled=False)}
	assert plan(BREACH, OWNER, [MANAGER], settings) == []


def test_each_user_is_planned_once_per_notice():
	deliveries = plan(BREACH, OWNER, [OWNER, MANAGER, MANAGER], {OWNER: DEFAULTS, MANAGER: DEFAULTS})
	assert [d.user for d in deliveries] == [OWNER, MANAGER]
	assert sum(d.email for d in deliveries if d.user == OWNER) == 1
