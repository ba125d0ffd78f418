"""Panel events go out as ``org.meemaken.panels.panel.<name>.v1``, pool events as ``...respondent.<name>.v1``."""

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
    data = {"panel_id": str(event.panel_id), "at": event.at.isoformat(), "details": event.details}
    return factory.create(panel_type(event.name), str(event.panel_id), data)
