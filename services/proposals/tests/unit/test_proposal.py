from datetime import UTC, datetime
from uuid import uuid4

import pytest

from proposals.domain.model import (
    IllegalTransition,
    Proposal,
    ProposalAdmitted,
    ProposalRejected,
    ProposalStatus,
    ProposalSubmitted,
    RejectionReason,
)


def submitted() -> Proposal:
    return Proposal.submit(uuid4(), "p", uuid4(), "  More trees  ", " text ", datetime.now(UTC))


def test_submitting_raises_proposal_submitted_with_the_trimmed_title():
    proposal = submitted()
    assert proposal.status is ProposalStatus.SUBMITTED
    assert [type(e) for e in proposal.events] == [ProposalSubmitted]
    assert proposal.events[0].title == "More trees"


def test_admitting_and_rejecting_are_one_way():
    admitted = submitted()
    admitted.admit()
    assert isinstance(admitted.events[-1], ProposalAdmitted)
    with pytest.raises(IllegalTransition):
        admitted.reject((RejectionReason("shouting", "x"),))

    rejected = submitted()
    rejected.reject((RejectionReason("shouting", "x"),))
    assert isinstance(rejected.events[-1], ProposalRejected)
    assert rejected.reasons[0].code == "shouting"
    with pytest.raises(IllegalTransition):
        rejected.admit()


def test_a_rejection_needs_a_reason():
    with pytest.raises(ValueError):
        submitted().reject(())
