"""Every challenge event goes out as ``org.meemaken.challenges.challenge.<name>.v1`` on one topic.

An event a person caused says who, by pseudonymous id and the role they acted in (``actor``); the
service's own automatic steps (gate check, timers) carry none.

``EVENT_TYPES`` declares every type this service publishes: the case's outer shape (``ChallengeStepData``)
around the step's own typed details (``challenges.domain.events.CHALLENGE_STEPS``); ``python -m challenges
event-schemas`` generates their JSON Schemas.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, NotRequired, TypedDict, TypeVar

from challenges.domain.challenge import ChallengeEvent
from challenges.domain.events import CHALLENGE_STEPS, SIGNED
from challenges.domain.states import Status
from meemaken_events import Envelope, EventFactory
from meemaken_events.definitions import DateTime, Doc, EventDefinition, MaxLength, MinLength, Uuid

TOPIC = "meemaken.challenges.challenge"
PREFIX = "org.meemaken.challenges.challenge."

Details = TypeVar("Details")
Role = Literal[
    "resident",
    "group_representative",
    "case_officer",
    "assessor",
    "decision_body",
    "panel_coordinator",
    "moderator",
    "mentor",
    "administrator",
]


class Actor(TypedDict):
    """Who did it and in which role, for the audit (absent for the service's own automatic steps)."""

    id: Annotated[Uuid, Doc("The person's pseudonymous id; never a name.")]
    role: Role


class _Case(TypedDict, Generic[Details]):
    challenge_id: Uuid
    task_id: Uuid
    department: Annotated[str, MinLength(1), MaxLength(100)]
    profile: Annotated[str, MinLength(1), MaxLength(50), Doc("The rules' profile (flanders, netherlands, uk, ...).")]
    representative_id: Annotated[Uuid, Doc("Pseudonymous id of the resident acting for the group.")]
    from_status: Status
    to_status: Status
    at: DateTime
    details: Details
    decision_due_at: NotRequired[
        Annotated[
            DateTime | None,
            Doc(
                "When the decision is due by the decision clock after this step (the officials' queue shows it); "
                "null while the clock is paused for an information request, and once the case is decided. "
                "Absent from events published before it was added."
            ),
        ]
    ]


class ChallengeStepData(_Case[Details], Generic[Details]):
    actor: NotRequired[Actor]


class SignedChallengeStepData(_Case[Details], Generic[Details]):
    """A step only a person takes: it always says who."""

    actor: Actor


def type_of(name: str) -> str:
    return f"{PREFIX}{name}.v1"


def _definition(name: str, title: str, details: type) -> EventDefinition:
    shape = SignedChallengeStepData if name in SIGNED else ChallengeStepData
    return EventDefinition(type_of(name), TOPIC, shape[details], f"Right to Challenge: {title}")  # type: ignore[valid-type]


EVENT_TYPES: tuple[EventDefinition, ...] = tuple(
    _definition(name, title, details) for name, (title, details) in CHALLENGE_STEPS.items()
)


def envelope_for(factory: EventFactory, event: ChallengeEvent) -> Envelope:
    data: ChallengeStepData[Any] = {
        "challenge_id": str(event.challenge_id),
        "task_id": str(event.task_id),
        "department": event.department,
        "profile": event.profile,
        "representative_id": str(event.representative_id),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": event.at.isoformat(),
        "details": event.details,
        "decision_due_at": None if event.decision_due_at is None else event.decision_due_at.isoformat(),
    }
    if event.by is not None:
        data["actor"] = Actor(id=str(event.by.id), role=event.by.role)  # type: ignore[typeddict-item]
    return factory.create(type_of(event.name), str(event.challenge_id), data)
