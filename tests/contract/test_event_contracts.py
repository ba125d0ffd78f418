"""Event contracts across services: producers' events validate, consumers know every published version."""

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from meemaken_events import EventFactory, catalogue
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
        "notifications.inapp": set(notifications_in.HANDLERS),
    }
    for handled in consumed.values():
        for name in handled:
            assert name in catalogue()
            family = name.rsplit(".v", 1)[0]
            versions = {t.name for t in catalogue() if t.name.rsplit(".v", 1)[0] == family}
            assert versions <= handled, f"a published version of {family} has no handler"


def test_every_consumer_has_a_declared_dead_letter_topic():
    declared = (ROOT / "infra" / "kafka" / "topics.txt").read_text()
    for consumer in ("proposals.admissibility", "notifications.inapp"):
        assert f"meemaken.{consumer}.dlq" in declared
