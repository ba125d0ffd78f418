"""Panel events go out as ``org.meemaken.panels.panel.<name>.v1``, pool events as ``...respondent.<name>.v1``.

An official's step carries ``actor: {id, role}`` (the pseudonymous id from the gateway's token and the role
they acted in); what the service does by itself (the worker's lottery, the privacy schedule) carries none.

``EVENT_TYPES`` declares every type this service publishes: the data is ``PanelStepData`` or
``RespondentStepData`` around the step's own typed details (``panels.domain.panel.PANEL_STEPS``,
``panels.domain.pool.RESPONDENT_STEPS``); ``python -m panels event-schemas`` generates their JSON Schemas."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, NotRequired, TypedDict, TypeVar

from meemaken_events import Envelope, EventFactory
from meemaken_events.definitions import DateTime, Doc, EventDefinition, Uuid
from panels.domain.panel import PANEL_STEPS, PanelEvent, Pseudonym
from panels.domain.pool import RESPONDENT_STEPS, Channel, RespondentEvent

PANEL_TOPIC = "meemaken.panels.panel"
RESPONDENT_TOPIC = "meemaken.panels.respondent"

Details = TypeVar("Details")


class Actor(TypedDict):
    """Who took this step, for the audit; absent when the service itself acted (the worker's lottery, the
    privacy schedule, a referral)."""

    id: Annotated[Uuid, Doc("The official's pseudonymous id (from the gateway's token); never a name.")]
    role: Annotated[Literal["panel_coordinator", "moderator", "decision_body"], Doc("The role the official acted in.")]


class PanelStepData(TypedDict, Generic[Details]):
    panel_id: Uuid
    at: DateTime
    details: Details
    actor: NotRequired[Actor]


class RespondentStepData(TypedDict, Generic[Details]):
    panel_id: Uuid
    pseudonym: Pseudonym
    channel: Channel
    at: DateTime
    details: Details


def panel_type(name: str) -> str:
    return f"org.meemaken.panels.panel.{name}.v1"


def respondent_type(name: str) -> str:
    return f"org.meemaken.panels.respondent.{name}.v1"


def _title(details: type) -> str:
    return (details.__doc__ or "").strip()


EVENT_TYPES: tuple[EventDefinition, ...] = (
    *(
        EventDefinition(panel_type(name), PANEL_TOPIC, PanelStepData[details], _title(details))  # type: ignore[valid-type]
        for name, details in PANEL_STEPS.items()
    ),
    *(
        EventDefinition(respondent_type(name), RESPONDENT_TOPIC, RespondentStepData[details], _title(details))  # type: ignore[valid-type]
        for name, details in RESPONDENT_STEPS.items()
    ),
)


def envelope_for(factory: EventFactory, event: PanelEvent | RespondentEvent) -> Envelope:
    if isinstance(event, RespondentEvent):
        respondent: RespondentStepData[Any] = {
            "panel_id": str(event.panel_id),
            "pseudonym": event.pseudonym,
            "channel": event.channel,
            "at": event.at.isoformat(),
            "details": event.details,
        }
        return factory.create(respondent_type(event.name), str(event.panel_id), respondent)
    step: PanelStepData[Any] = {"panel_id": str(event.panel_id), "at": event.at.isoformat(), "details": event.details}
    if event.actor is not None:  # an official's step: who, by pseudonymous id, in which role (never a name)
        step["actor"] = Actor(id=event.actor["id"], role=event.actor["role"])  # type: ignore[typeddict-item]
    return factory.create(panel_type(event.name), str(event.panel_id), step)
