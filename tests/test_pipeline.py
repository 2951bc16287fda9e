import itertools
import pickle

import pytest

from crm_order_extension.core.errors import RuleError
from crm_order_extension.core.pipeline import (
	APPROVED,
	COMPLIANCE_SERVICE,
	DELIVERED,
	FAILED,
	FORMATION_ORDER,
	ORDERED,
	PROCESSING,
	QUEUED,
	READY,
	REFUNDED,
	REVIEW,
	REVIEWER_ROLE,
	REVISION,
	STATES,
	TRANSITIONS,
	PipelineError,
	allowed_next_states,
	check_initial_state,
	check_transition,
	history_entry,
	initial_state,
	is_terminal,
	next_states,
)

REVIEWER = {REVIEWER_ROLE, "Sales User"}
FORWARD = [
	(ORDERED, QUEUED),
	(QUEUED, PROCESSING),
	(PROCESSING, REVIEW),
	(REVIEW, APPROVED),
	(APPROVED, READY),
	(READY, DELIVERED),
	(PROCESSING, FAILED),
	(FAILED, QUEUED),
	(REVIEW, REVISION),
	(REVISION, PROCESSING),
]
REFUNDABLE = [ORDERED, QUEUED, PROCESSING, REVIEW, APPROVED, READY, FAILED, REVISION]
LEGAL = set(FORWARD) | {(state, REFUNDED) for state in REFUNDABLE}


def move(current, target, roles=REVIEWER, doctype=FORMATION_ORDER, filing_number="F-123"):
	check_transition(current, target, roles=roles, doctype=doctype, filing_number=filing_number)


def test_states_and_transition_table_cover_each_other():
	assert len(STATES) == 10
	assert set(TRANSITIONS) == set(STATES)
	assert all(set(targets) <= set(STATES) for targets in TRANSITIONS.values())
	assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == LEGAL


@pytest.mark.parametrize("current, target", list(itertools.product(STATES, STATES)))
def test_exactly_the_legal_moves_are_allowed(current, target):
	if (current, target) in LEGAL:
		move(current, target)
	else:
		with pytest.raises(PipelineError):
			move(current, target)


def test_illegal_move_message_names_current_target_and_legal_next_states():
	with pytest.raises(PipelineError) as err:
		move(ORDERED, PROCESSING)
	assert str(err.value) == "Cannot move from Ordered to Processing. Allowed next statuses: Queued, Refunded"
	assert err.value.template == "Cannot move from {0} to {1}. Allowed next statuses: {2}"
	assert err.value.args == (ORDERED, PROCESSING, "Queued, Refunded")


@pytest.mark.parametrize("terminal", [DELIVERED, REFUNDED])
def test_terminal_states_have_no_way_out(terminal):
	assert is_terminal(terminal)
	assert next_states(terminal) == ()
	with pytest.raises(PipelineError, match=f"{terminal} is a final status"):
		move(terminal, ORDERED)


def test_delivered_cannot_be_refunded_and_self_moves_are_illegal():
	with pytest.raises(PipelineError):
		move(DELIVERED, REFUNDED)
	for state in STATES:
		with pytest.raises(PipelineError):
			move(state, state)


@pytest.mark.parametrize("bad", ["Shipped", "ordered", "", None])
def test_unknown_states_are_rejected_on_either_side(bad):
	with pytest.raises(PipelineError, match="Unknown order status"):
		move(bad, QUEUED)
	with pytest.raises(PipelineError, match="Unknown order status"):
		move(ORDERED, bad)
	with pytest.raises(PipelineError):
		next_states(bad)


def test_pipeline_error_is_a_rule_error_and_value_error():
	with pytest.raises(RuleError):
		move(ORDERED, DELIVERED)
	with pytest.raises(ValueError):
		move(ORDERED, DELIVERED)


def test_next_states_lists_forward_move_first():
	assert next_states(ORDERED) == (QUEUED, REFUNDED)
	assert next_states(PROCESSING) == (REVIEW, FAILED, REFUNDED)
	assert next_states(REVIEW) == (APPROVED, REVISION, REFUNDED)
	assert not is_terminal(READY)


def test_initial_state_is_ordered_and_new_documents_cannot_skip_it():
	assert initial_state() == ORDERED
	check_initial_state(ORDERED)
	with pytest.raises(PipelineError, match="must start in status Ordered, not Queued"):
		check_initial_state(QUEUED)
	with pytest.raises(PipelineError):
		check_initial_state(None)


@pytest.mark.parametrize("doctype", [FORMATION_ORDER, COMPLIANCE_SERVICE])
def test_approval_needs_the_reviewer_role(doctype):
	move(REVIEW, APPROVED, roles={REVIEWER_ROLE}, doctype=doctype)
	for roles in (set(), {"System Manager"}, {"Sales User", "Sales Manager"}):
		with pytest.raises(PipelineError) as err:
			move(REVIEW, APPROVED, roles=roles, doctype=doctype)
		assert str(err.value) == "Only users with the Order Reviewer role can move an order to Approved"


def test_reviewer_role_is_configurable_and_roles_may_be_any_iterable():
	check_transition(REVIEW, APPROVED, roles=["QA Lead"], doctype=COMPLIANCE_SERVICE, reviewer_role="QA Lead")
	with pytest.raises(PipelineError, match="QA Lead"):
		check_transition(
			REVIEW, APPROVED, roles=[REVIEWER_ROLE], doctype=COMPLIANCE_SERVICE, reviewer_role="QA Lead"
		)
	check_transition(REVIEW, APPROVED, roles=REVIEWER_ROLE, doctype=COMPLIANCE_SERVICE)
	with pytest.raises(PipelineError):
		check_transition(REVIEW, APPROVED, roles="Order", doctype=COMPLIANCE_SERVICE)


def test_only_the_approval_move_is_role_gated():
	for current, target in LEGAL - {(REVIEW, APPROVED)}:
		move(current, target, roles=set())


@pytest.mark.parametrize("filing_number", [None, "", "   "])
def test_formation_order_needs_a_filing_number_to_become_ready(filing_number):
	with pytest.raises(PipelineError) as err:
		move(APPROVED, READY, doctype=FORMATION_ORDER, filing_number=filing_number)
	assert str(err.value) == "Enter the filing number before moving a Formation Order to Ready"
	move(APPROVED, READY, doctype=COMPLIANCE_SERVICE, filing_number=filing_number)


def test_missing_filing_number_only_blocks_ready():
	move(APPROVED, REFUNDED, filing_number=None)
	move(PROCESSING, REVIEW, filing_number=None)
	move(READY, DELIVERED, filing_number="DE-2024-0001")


def test_legality_is_checked_before_roles_and_filing_number():
	with pytest.raises(PipelineError, match="Cannot move from Ordered to Approved"):
		move(ORDERED, APPROVED, roles=set())
	with pytest.raises(PipelineError, match="Cannot move from Review to Ready"):
		move(REVIEW, READY, filing_number=None)


def test_allowed_next_states_filters_by_role_and_filing_number():
	assert allowed_next_states(REVIEW, REVIEWER, FORMATION_ORDER) == (APPROVED, REVISION, REFUNDED)
	assert allowed_next_states(REVIEW, {"Sales User"}, FORMATION_ORDER) == (REVISION, REFUNDED)
	assert allowed_next_states(APPROVED, set(), FORMATION_ORDER, None) == (REFUNDED,)
	assert allowed_next_states(APPROVED, set(), FORMATION_ORDER, "F-1") == (READY, REFUNDED)
	assert allowed_next_states(APPROVED, set(), COMPLIANCE_SERVICE, None) == (READY, REFUNDED)
	assert allowed_next_states(DELIVERED, REVIEWER, FORMATION_ORDER) == ()
	with pytest.raises(PipelineError):
		allowed_next_states("Nope", REVIEWER, FORMATION_ORDER)


def test_allowed_next_states_with_every_permission_equals_next_states():
	for state in STATES:
		assert allowed_next_states(state, REVIEWER, FORMATION_ORDER, "F-1") == next_states(state)


def test_history_entry():
	assert history_entry(REVIEW, APPROVED, "reviewer@example.com", "2024-05-01 10:00:00") == {
		"from_state": REVIEW,
		"to_state": APPROVED,
		"user": "reviewer@example.com",
		"at": "2024-05-01 10:00:00",
	}
	assert history_entry(None, ORDERED, "Administrator", None)["from_state"] is None


def test_error_survives_pickling_with_its_template():
	with pytest.raises(PipelineError) as err:
		move(ORDERED, READY)
	clone = pickle.loads(pickle.dumps(err.value))
	assert type(clone) is PipelineError
	assert (clone.template, clone.args, str(clone)) == (err.value.template, err.value.args, str(err.value))
