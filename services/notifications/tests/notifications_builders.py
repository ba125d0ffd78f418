"""Events as the producing services publish them, for the notifications tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from meemaken_events import Envelope, EventFactory

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
CHALLENGES = EventFactory("urn:meemaken:municipality:demo:system:challenges")
PANELS = EventFactory("urn:meemaken:municipality:demo:system:panels")
PROPOSALS = EventFactory("urn:meemaken:municipality:demo:system:proposals")
C = "org.meemaken.challenges.challenge."


def challenge_event(
    name: str, representative: uuid.UUID, to_status: str, challenge_id: uuid.UUID | None = None, **details: Any
) -> Envelope:
    cid = str(challenge_id or uuid.uuid4())
    data = {
        "challenge_id": cid,
        "task_id": str(uuid.uuid4()),
        "department": "mobility",
        "profile": "flanders",
        "representative_id": str(representative),
        "from_status": "decision_pending",
        "to_status": to_status,
        "at": NOW.isoformat(),
        "details": details,
    }
    return CHALLENGES.create(f"{C}{name}.v1", cid, data)


def rejected(representative: uuid.UUID, **extra: Any) -> Envelope:
    details = {
        "outcome": "rejected",
        "grounds": ["insufficient_score"],
        "reason": "The plan does not show who maintains the park after the first year.",
        "objection_until": "2026-12-27T10:00:00+00:00",
        **extra,
    }
    return challenge_event("rejected", representative, "rejected", **details)


def panel_event(name: str, panel_id: uuid.UUID, **details: Any) -> Envelope:
    data = {"panel_id": str(panel_id), "at": NOW.isoformat(), "details": details}
    return PANELS.create(f"org.meemaken.panels.panel.{name}.v1", str(panel_id), data)


def proposal_event(kind: str, author: uuid.UUID, **extra: Any) -> Envelope:
    pid = str(uuid.uuid4())
    data = {"proposal_id": pid, "process_id": "p", "author_id": str(author), "title": "Safer school streets", **extra}
    return PROPOSALS.create(f"org.meemaken.proposals.proposal.{kind}.v1", pid, data)


def pseudonym() -> str:
    return "p_" + uuid.uuid4().hex
