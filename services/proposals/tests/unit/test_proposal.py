from datetime import UTC, datetime
from uuid import uuid4

import pytest

from proposals.domain.model import (
    IllegalTransition,
    InvalidStep,
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


def test_an_admitted_proposal_says_where_and_a_split_s_parts_owe_the_answer_their_original_owed():
    from meemaken_events import EventFactory
    from proposals.integration.outgoing import envelope_for

    now = datetime.now(UTC)
    original = Proposal.submit(uuid4(), "p", uuid4(), "Bike lanes", "Two districts.", now, district="noord")
    original.admit(now)
    original.count_support(300, 300, 90, now)  # the threshold: an answer is owed
    parts = tuple(Proposal.part_of(original, uuid4(), f"Bike lanes {n}", "One district.", now) for n in (1, 2))
    original.split_into(parts, "Two districts.", now)
    factory = EventFactory("urn:meemaken:municipality:demo:system:proposals")
    admitted = envelope_for(factory, original.events[1]).data
    assert admitted["district"] == "noord" and admitted["answer_due_at"] is None  # nothing owed yet then
    for part in parts:
        (event,) = part.events
        assert isinstance(event, ProposalAdmitted) and event.answer_due_at == original.answer_due_at
        data = envelope_for(factory, event).data
        assert data["answer_due_at"] == original.answer_due_at.isoformat() and data["district"] == "noord"


def test_the_co_authors_link_expires_after_14_days_of_the_municipality_s_calendar_across_a_change_of_the_clocks():
    invited = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # 12:00 in Brussels; summer time from 29 March
    proposal = Proposal.submit(uuid4(), "p", uuid4(), "Benches", "By the river.", invited)
    link = proposal.invite_co_authors("hash", proposal.author_id, invited)
    assert link.expires_at == datetime(2026, 4, 3, 10, 0, tzinfo=UTC)  # 12:00 in Brussels, 14 days on
    assert proposal.join_as_co_author(uuid4(), "hash", datetime(2026, 4, 3, 9, 59, tzinfo=UTC))
    with pytest.raises(InvalidStep, match="not valid"):
        proposal.join_as_co_author(uuid4(), "hash", link.expires_at)
