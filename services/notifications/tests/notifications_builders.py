"""Events as the producing services publish them, for the notifications tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from meemaken_events import Envelope, EventFactory, catalogue

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
        "notice": "Decision notice: the challenge is rejected.",
        "co_initiator_ids": [],
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


PANEL_DETAILS: dict[str, Any] = {  # every field of a panel event's details, each type takes its own
    "pseudonym": pseudonym(),
    "replaces": pseudonym(),
    "rank": 2,
    "session": 1,
    "starts_at": NOW.isoformat(),
    "recommendation": 1,
    "recommendations": 3,
    "verdict": "partly",
    "due_at": NOW.isoformat(),
    "refusal": "too_young",
    "members": 24,
    "total": 57,
    "mandate": "adviseren",
    "size": 24,
    "alternates": 4,
    "theme": "Mobility",
    "referred_challenge_id": None,
    "accepted": 980,
    "rejected": 20,
    "invited": 1000,
    "ratios": {},
    "seed": None,
    "admitted": 150,
    "panels": 1000,
    "problem": "The quotas cannot be met.",
    "commitment": "0" * 64,
    "algorithm": "leximin",
    "minimum_probability": 0.1,
    "rounding_loss": 0.0,
    "number": 4,
    "public_input": "4",
    "stage": "members",
    "records": 10,
}


CHALLENGE_DETAILS: dict[str, Any] = {  # every field of a challenge event's details, each type takes its own
    "reason": "Because.",
    "due_at": "2026-12-24T10:00:00+00:00",
    "deadline": "decision",
    "outcome": "accepted",
    "grounds": [],
    "question": "Which of the two sites should the shelter use?",
    "notice": "Decision notice: the challenge is accepted.",
    "objection_until": "2026-12-27T10:00:00+00:00",
    "co_initiator_ids": [str(uuid.uuid4())],
    "repair": False,
    "department": "mobility",
    "modification": "Keep the park open on Sundays.",
    "assessor_id": str(uuid.uuid4()),
    "criterion": "quality",
    "proposal": "accept",
    "after_acceptance": "agreement",
    "next_review_at": "2027-11-27T10:00:00+00:00",
    "part": "decision",
    "text": "The group showed it can run the park.",
    "gates": [{"code": "complete", "passed": True, "explanation": "Everything is there."}],
    "document_id": str(uuid.uuid4()),
}


def sample(event_type: str) -> dict:
    """Data an event of this catalogued type may carry, with every field a template reads."""
    if ".challenges." in event_type:  # generated from the challenge's typed definitions, as the panels': exact
        schema = catalogue()[event_type].schema
        wanted = schema["properties"]["details"]["properties"]
        data = {
            "challenge_id": str(uuid.uuid4()),
            "task_id": str(uuid.uuid4()),
            "department": "mobility",
            "profile": "flanders",
            "representative_id": str(uuid.uuid4()),
            "from_status": "in_assessment",
            "to_status": "in_assessment",
            "at": NOW.isoformat(),
            "details": {k: v for k, v in CHALLENGE_DETAILS.items() if k in wanted},
        }
        if "actor" in schema["required"]:  # a step only a person takes
            data["actor"] = {"id": str(uuid.uuid4()), "role": "decision_body"}
        return data
    if ".panels." in event_type:  # the panels' schemas are generated from their typed definitions: exact
        properties = catalogue()[event_type].schema["properties"]
        wanted = properties["details"]["properties"]
        details = {k: v for k, v in PANEL_DETAILS.items() if k in wanted}
        data = {"panel_id": str(uuid.uuid4()), "pseudonym": pseudonym(), "channel": "letter", "at": NOW.isoformat()}
        return {k: v for k, v in data.items() if k in properties} | {"details": details}
    if event_type.startswith("org.meemaken.gateway.work_item."):  # the officials' deadline alert
        return {
            "service": "challenges",
            "case_id": str(uuid.uuid4()),
            "kind": "take_decision",
            "level": "breached",
            "due_at": NOW.isoformat(),
            "department": "mobility",
            "officials": [str(uuid.uuid4())],
            "announced_at": NOW.isoformat(),
        }
    if ".round." in event_type:
        return {
            "round_id": str(uuid.uuid4()),
            "process_id": "budget-2027",
            "rule": "greedy",
            "voters": 1234,
            "paper_ballots": 34,
            "spent": 98000,
            "selected": [{"project_id": "p1", "title": "Benches in the park"}],
        }
    data = {
        "proposal_id": str(uuid.uuid4()),
        "process_id": "p",
        "author_id": str(uuid.uuid4()),
        "title": "Safer school streets",
        "reasons": [{"code": "shouting", "detail": "x"}],
        "supporters": 150,
        "threshold": 100,
        "answer_due_at": NOW.isoformat(),
        "position": "partly",
        "late": True,
        "stage": "in_progress",
        "note": "Work starts in spring.",
        "into_id": str(uuid.uuid4()),
        "into_ids": [str(uuid.uuid4()), str(uuid.uuid4())],
    }
    properties = catalogue()[event_type].schema["properties"]
    if properties.get("reasons", {}).get("type") == "string":  # answered, merged, split: a motivation
        data["reasons"] = "The school board asked for it too."
    elif event_type.endswith(".declined.v1"):
        data["reasons"] = [{"code": "not_competent", "detail": "A matter for the region."}]
    return {k: v for k, v in data.items() if k in properties}  # the event carries what its schema names
