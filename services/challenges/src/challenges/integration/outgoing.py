"""Every challenge event goes out as ``org.meemaken.challenges.challenge.<name>.v1`` on one topic."""

from __future__ import annotations

from challenges.domain.challenge import ChallengeEvent
from meemaken_events import Envelope, EventFactory

TOPIC = "meemaken.challenges.challenge"
PREFIX = "org.meemaken.challenges.challenge."


def type_of(name: str) -> str:
    return f"{PREFIX}{name}.v1"


def envelope_for(factory: EventFactory, event: ChallengeEvent) -> Envelope:
    data = {
        "challenge_id": str(event.challenge_id),
        "task_id": str(event.task_id),
        "department": event.department,
        "profile": event.profile,
        "representative_id": str(event.representative_id),
        "from_status": event.from_status.value,
        "to_status": event.to_status.value,
        "at": event.at.isoformat(),
        "details": event.details,
    }
    return factory.create(type_of(event.name), str(event.challenge_id), data)
