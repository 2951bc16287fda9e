"""Who is told of an SLA notice, and on which channels (frappe-free).

A notice is a breach of the first-response target, a missed resolution target, or an at-risk
warning. The record's owner is told of all three; the users of the optional notify role only of the
failures (a warning is for whoever has to answer). Each recipient is told once per notice on each
channel their settings allow:

* desk: a Notification Log (Desk's bell), unless the user switched notifications off; Frappe itself
  skips such users when it makes notification logs.
* email: along with the Desk notice, while the user's email notifications are on. Frappe has no
  per-type switch for "Alert" logs and never emails them itself, so the master switch decides.
* crm: a CRM Notification (the /crm notifications panel); CRM has no per-user settings.
* live: a realtime event, to the owner only, for the open form and a toast.

Disabled users and users that do not exist get nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BREACH = "breach"
RESOLUTION_MISSED = "resolution_missed"
AT_RISK = "at_risk"

# Realtime event per notice kind; Desk (public/js/sla_notices.js) and the CRM form scripts listen.
EVENTS = {
	BREACH: "sla_failed",
	RESOLUTION_MISSED: "sla_resolution_failed",
	AT_RISK: "sla_at_risk",
}

# Users who never receive notices (Frappe's own pseudo-user).
NEVER_NOTIFIED = frozenset({"Guest"})


@dataclass(frozen=True)
class UserSettings:
	"""What the adapter knows of a user. None means "no Notification Settings row": Frappe treats
	that as on."""

	enabled: bool = True
	notifications: bool | None = None
	email_notifications: bool | None = None


@dataclass(frozen=True)
class Delivery:
	user: str
	desk: bool
	email: bool
	crm: bool
	live: bool


def recipients(kind: str, owner: str | None, watchers: Iterable[str] = ()) -> list[str]:
	"""Owner first, then the notify role's users for failures; each user once."""
	if kind not in EVENTS:
		raise ValueError(f"unknown SLA notice kind: {kind!r}")
	candidates = [owner] if kind == AT_RISK else [owner, *watchers]
	seen: dict[str, None] = {}
	for user in candidates:
		if user and user not in NEVER_NOTIFIED:
			seen.setdefault(user, None)
	return list(seen)


def channels(user: str, settings: Mapping[str, UserSettings]) -> tuple[bool, bool] | None:
	"""(desk, email) for a recipient, or None when the user gets nothing (disabled or unknown):
	Desk unless notifications are off, email along with Desk unless email notifications are off."""
	user_settings = settings.get(user)
	if user_settings is None or not user_settings.enabled:
		return None
	desk = user_settings.notifications is not False
	return desk, desk and user_settings.email_notifications is not False


def plan(
	kind: str, owner: str | None, watchers: Iterable[str], settings: Mapping[str, UserSettings]
) -> list[Delivery]:
	"""The deliveries of one notice: one per recipient, with the channels to use."""
	deliveries = []
	for user in recipients(kind, owner, watchers):
		found = channels(user, settings)
		if found:
			desk, email = found
			deliveries.append(Delivery(user=user, desk=desk, email=email, crm=True, live=user == owner))
	return deliveries
