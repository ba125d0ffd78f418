"""Every challenge event goes out as ``org.meemaken.challenges.challenge.<name>.v1`` on one topic.

An event a person caused says who, by pseudonymous id and the role they acted in (``actor``); the
service's own automatic steps (gate check, timers) carry none.
"""

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
    if event.by is not None:
        data["actor"] = {"id": str(event.by.id), "role": event.by.role}
    return factory.create(type_of(event.name), str(event.challenge_id), data)
