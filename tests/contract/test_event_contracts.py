"""Event contracts across services: producers' events validate, consumers know every published version."""

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from challenges.integration import incoming as challenges_in
from challenges.integration.outgoing import envelope_for as challenge_envelope
from meemaken_events import EventFactory, catalogue, dead_letter_topic
from meemaken_testkit.kafka import declared_topics
from notifications.integration import incoming as notifications_in
from proposals.domain.model import ProposalAdmitted, ProposalRejected, ProposalSubmitted, RejectionReason
from proposals.integration import incoming as proposals_in
from proposals.integration.outgoing import envelope_for

ROOT = Path(__file__).resolve().parents[2]
FACTORY = EventFactory("urn:meemaken:municipality:demo:system:proposals")


def test_every_proposal_domain_event_becomes_a_valid_catalogued_cloudevent():
    pid, author = uuid4(), uuid4()
    events = [
        ProposalSubmitted(pid, "p", author, "Safer school streets", datetime.now(UTC)),
        ProposalAdmitted(pid, "p", author, "Safer school streets"),
        ProposalRejected(pid, "p", author, "Safer school streets", (RejectionReason("shouting", "no capitals"),)),
    ]
    for event in events:
        envelope = envelope_for(FACTORY, event)
        catalogue()[envelope.type].validate(dict(envelope.data))
        assert envelope.key == str(pid) == envelope.subject


def test_consumers_handle_every_published_version_of_the_events_they_subscribe_to():
    consumed = {
        "proposals.admissibility": set(proposals_in.admissibility_handlers(lambda conn: None)),  # type: ignore[arg-type]
        "proposals.tally": set(proposals_in.tally_handlers(lambda conn: None)),  # type: ignore[arg-type]
        "challenges.gates": set(challenges_in.gate_handlers(lambda conn: None)),  # type: ignore[arg-type]
        **{name: set(handlers) for name, (_, handlers) in notifications_in.subscriptions().items()},
    }
    for handled in consumed.values():
        for name in handled:
            assert name in catalogue()
            family = name.rsplit(".v", 1)[0]
            versions = {t.name for t in catalogue() if t.name.rsplit(".v", 1)[0] == family}
            assert versions <= handled, f"a published version of {family} has no handler"


def test_every_consumer_has_a_declared_dead_letter_topic():
    declared = {name for name, _ in declared_topics()}
    consumers = ["proposals.admissibility", "proposals.tally", "challenges.gates", "panels.eligibility"]
    consumers += ["panels.referrals", *notifications_in.subscriptions()]
    for consumer in consumers:
        assert dead_letter_topic(consumer) in declared, consumer


def test_every_event_a_challenge_can_raise_has_a_schema_and_validates():
    from challenges.domain.states import EVENT_OF, OTHER_EVENTS
    from challenges.integration.outgoing import type_of

    assert {type_of(name) for name in [*EVENT_OF.values(), *OTHER_EVENTS]} <= {t.name for t in catalogue()}


def test_a_whole_challenge_life_produces_valid_cloudevents(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "services" / "challenges" / "tests"))
    from challenge_builders import NOW, new_challenge

    from challenges.domain.gates import Facts, Window, check_gates

    factory = EventFactory("urn:meemaken:municipality:demo:system:challenges")
    c = new_challenge("uk")
    c.submit(NOW)
    c.acknowledge(NOW)
    c.start_admissibility_check(NOW)
    facts = Facts(NOW, True, (Window(NOW, NOW),), None, (), 1, "charity", 20, (), 0)
    c.record_gates(check_gates(c.profile, facts), NOW)
    c.request_information(NOW, "Accounts, please.")
    c.supply_information(NOW, "Attached.")
    c.refer_to_panel(NOW, "Should residents run the library?")
    c.extend_decision_term(NOW, "P2W", "Panel advice awaited.")
    c.deadline_warning(NOW, "decision", breached=False)
    assessor = uuid4()
    c.assign_assessor(NOW, assessor)
    for criterion in c.criteria.criteria:
        c.score(NOW, assessor, criterion.code, None, "Fine.")  # England's criteria are considered, not scored
    c.propose_decision(NOW, {g.code: (True, "Checked.") for g in c.profile.gates if not g.automatic})
    from challenges.domain.challenge import ActedBy

    c.acting = ActedBy(uuid4(), "decision_body")  # an approval is always someone's
    c.approve_notice_text(NOW, "decision", "The group can run the library.")
    c.acting = None
    c.accept(NOW, "Accepted.")
    c.start_agreement(NOW)
    assert len(c.events) > 15
    for event in c.events:
        envelope = challenge_envelope(factory, event)
        catalogue()[envelope.type].validate(dict(envelope.data))
