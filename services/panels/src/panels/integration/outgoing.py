"""Panel events go out as ``org.meemaken.panels.panel.<name>.v1``, pool events as ``...respondent.<name>.v1``.

An official's step carries ``actor: {id, role}`` (the pseudonymous id from the gateway's token and the role
they acted in); what the service does by itself (the worker's lottery, the privacy schedule) carries none."""

from __future__ import annotations

from meemaken_events import Envelope, EventFactory
from panels.domain.panel import PanelEvent
from panels.domain.pool import RespondentEvent

PANEL_TOPIC = "meemaken.panels.panel"
RESPONDENT_TOPIC = "meemaken.panels.respondent"


def panel_type(name: str) -> str:
    return f"org.meemaken.panels.panel.{name}.v1"


def respondent_type(name: str) -> str:
    return f"org.meemaken.panels.respondent.{name}.v1"


def envelope_for(factory: EventFactory, event: PanelEvent | RespondentEvent) -> Envelope:
    if isinstance(event, RespondentEvent):
        data = {
            "panel_id": str(event.panel_id),
            "pseudonym": event.pseudonym,
            "channel": event.channel.value,
            "at": event.at.isoformat(),
            "details": event.details,
        }
        return factory.create(respondent_type(event.name), str(event.panel_id), data)
    step: dict[str, object] = {"panel_id": str(event.panel_id), "at": event.at.isoformat(), "details": event.details}
    if event.actor is not None:  # an official's step: who, by pseudonymous id, in which role (never a name)
        step["actor"] = dict(event.actor)
    return factory.create(panel_type(event.name), str(event.panel_id), step)
