"""The order pipeline shared by Formation Order and Compliance Service.

Ordered → Queued → Processing → Review → Approved → Ready → Delivered is the happy path. A failed
filing is retried (Processing → Failed → Queued), a rejected review is reworked (Review → Revision
→ Processing), and anything not yet delivered can be refunded. Delivered and Refunded are final.
Who may move a document at all is the adapter's business (DocType permissions, Administrator);
this module only adds the rules that depend on the move itself.
"""

from collections.abc import Iterable

from crm_order_extension.core.errors import RuleError, _

ORDERED = "Ordered"
QUEUED = "Queued"
PROCESSING = "Processing"
REVIEW = "Review"
APPROVED = "Approved"
READY = "Ready"
DELIVERED = "Delivered"
FAILED = "Failed"
REVISION = "Revision"
REFUNDED = "Refunded"

# Select options, in the order the Desk field lists them.
STATES = (ORDERED, QUEUED, PROCESSING, REVIEW, APPROVED, READY, DELIVERED, FAILED, REVISION, REFUNDED)
TERMINAL_STATES = (DELIVERED, REFUNDED)

FORMATION_ORDER = "Formation Order"
COMPLIANCE_SERVICE = "Compliance Service"
REVIEWER_ROLE = "Order Reviewer"

# Forward move first, so Desk shows the usual next step as the first button. Refunded is
# reachable from everything not yet Delivered.
TRANSITIONS: dict[str, tuple[str, ...]] = {
	ORDERED: (QUEUED, REFUNDED),
	QUEUED: (PROCESSING, REFUNDED),
	PROCESSING: (REVIEW, FAILED, REFUNDED),
	REVIEW: (APPROVED, REVISION, REFUNDED),
	APPROVED: (READY, REFUNDED),
	READY: (DELIVERED, REFUNDED),
	DELIVERED: (),
	FAILED: (QUEUED, REFUNDED),
	REVISION: (PROCESSING, REFUNDED),
	REFUNDED: (),
}


class PipelineError(RuleError):
	pass


def initial_state() -> str:
	"""State every new pipeline document starts in."""
	return ORDERED


def is_terminal(state: str) -> bool:
	return state in TERMINAL_STATES


def _check_known(state: str | None) -> None:
	if state not in TRANSITIONS:
		raise PipelineError(_("Unknown order status {0}. Valid statuses: {1}"), state, ", ".join(STATES))


def _role_set(roles: Iterable[str]) -> set[str]:
	# A bare string would otherwise become a set of its characters.
	return {roles} if isinstance(roles, str) else set(roles or ())


def next_states(current: str) -> tuple[str, ...]:
	"""Legal targets from `current`, ignoring roles and document data."""
	_check_known(current)
	return TRANSITIONS[current]


def check_initial_state(state: str | None) -> None:
	"""A new document may only be created in the initial state (no skipping the pipeline)."""
	if state != ORDERED:
		raise PipelineError(_("A new order must start in status {0}, not {1}"), ORDERED, state)


def check_transition(
	current: str,
	target: str,
	*,
	roles: Iterable[str],
	doctype: str,
	filing_number: str | None = None,
	reviewer_role: str = REVIEWER_ROLE,
) -> None:
	"""Raise PipelineError unless `roles` may move a `doctype` document from `current` to `target`.

	Approval needs `reviewer_role` itself: System Manager does not imply it, so reviewing stays a
	deliberate assignment. A Formation Order can only be Ready once the state has filed it, i.e.
	with a filing number.
	"""
	_check_known(current)
	_check_known(target)
	legal = TRANSITIONS[current]
	if target not in legal:
		if not legal:
			raise PipelineError(_("Cannot move from {0} to {1}: {0} is a final status"), current, target)
		raise PipelineError(
			_("Cannot move from {0} to {1}. Allowed next statuses: {2}"), current, target, ", ".join(legal)
		)
	if target == APPROVED and reviewer_role not in _role_set(roles):
		raise PipelineError(
			_("Only users with the {0} role can move an order to {1}"), reviewer_role, APPROVED
		)
	if target == READY and doctype == FORMATION_ORDER and not (filing_number or "").strip():
		raise PipelineError(_("Enter the filing number before moving a {0} to {1}"), FORMATION_ORDER, READY)


def allowed_next_states(
	current: str,
	roles: Iterable[str],
	doctype: str,
	filing_number: str | None = None,
	reviewer_role: str = REVIEWER_ROLE,
) -> tuple[str, ...]:
	"""Legal moves this user may make right now (the Desk buttons), in TRANSITIONS order."""
	roles = _role_set(roles)
	allowed = []
	for target in next_states(current):
		try:
			check_transition(
				current,
				target,
				roles=roles,
				doctype=doctype,
				filing_number=filing_number,
				reviewer_role=reviewer_role,
			)
		except PipelineError:
			continue
		allowed.append(target)
	return tuple(allowed)


def history_entry(from_state: str | None, to_state: str, user: str, at: object) -> dict:
	"""One status-history row; `at` is stored as given (the adapter passes now_datetime())."""
	return {"from_state": from_state, "to_state": to_state, "user": user, "at": at}
