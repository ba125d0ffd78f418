"""A challenge as a JSON document (its state column) and back; rules are stored by their code."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.assessment import Assessment, Score
from challenges.domain.challenge import (
    ActedBy,
    Alert,
    AuditEntry,
    Challenge,
    Decision,
    Document,
    Group,
    NoticeText,
    StatusChange,
    Submission,
)
from challenges.domain.clock import DecisionClock
from challenges.domain.gates import GateResult
from challenges.domain.states import EVENT_OF, Status

_SUBMISSION = tuple(f.name for f in fields(Submission))
_GATE_RESULT = tuple(f.name for f in fields(GateResult))


def _plain(value: object, names: tuple[str, ...]) -> dict[str, Any]:
    """A dataclass of plain values (text, numbers, flags) as a dict: what ``dataclasses.asdict`` gives, without its
    deep copy of each value (asdict was a tenth of the gate consumer's save in the py-spy profile)."""
    return {name: getattr(value, name) for name in names}


def _t(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def to_document(c: Challenge) -> dict[str, Any]:
    clock = c.clock
    return {
        "profile": c.profile.code,
        "criteria": c.criteria.code,
        "group": {
            "name": c.group.name,
            "legal_form": c.group.legal_form,
            "representative_id": str(c.group.representative_id),
            "co_initiator_ids": [str(i) for i in c.group.co_initiator_ids],
            "members_count": c.group.members_count,
        },
        "submission": _plain(c.submission, _SUBMISSION),
        "documents": [
            {
                "id": str(d.id),
                "filename": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
            }
            for d in c.documents
        ],
        "submitted_at": _t(c.submitted_at),
        "clock": None
        if clock is None
        else {
            "started_at": _t(clock.started_at),
            "term": clock.term,
            "paused_since": _t(clock.paused_since),
            "paused_seconds": clock.paused_total.total_seconds(),
            "extension": clock.extension,
            "extension_reason": clock.extension_reason,
            "pauses": [[_t(a), _t(b)] for a, b in clock.pauses],
        },
        "information_request": c.information_request,
        "return_to": c.return_to.value if c.return_to else None,
        "modification": c.modification,
        "modification_agreed": c.modification_agreed,
        "gate_results": [_plain(g, _GATE_RESULT) for g in c.gate_results],
        "assessment": {
            "assessors": [str(a) for a in c.assessment.assessors],
            "scores": [
                {
                    "assessor_id": str(s.assessor_id),
                    "criterion": s.criterion,
                    "value": s.value,
                    "motivation": s.motivation,
                }
                for s in c.assessment.scores
            ],
        },
        "notice_texts": [
            {
                "part": t.part,
                "text": t.text,
                "approved_at": _t(t.approved_at),
                "approved_by": None
                if t.approved_by is None
                else {"id": str(t.approved_by.id), "role": t.approved_by.role},
            }
            for t in c.notice_texts
        ],
        "decision": None
        if c.decision is None
        else {
            "outcome": c.decision.outcome,
            "grounds": list(c.decision.grounds),
            "motivation": c.decision.motivation,
            "decided_at": _t(c.decision.decided_at),
            "notice": c.decision.notice,
        },
        "objected": c.objected,
        "alerts": [{"deadline": a.deadline, "level": a.level, "at": _t(a.at)} for a in c.alerts],
        "history": [
            {
                "at": _t(h.at),
                "action": h.action,
                "from": h.from_status.value,
                "to": h.to_status.value,
                "reason": h.reason,
            }
            for h in c.history
        ],
        "audit": [
            {
                "at": _t(a.at),
                "action": a.action,
                "from": a.from_status.value,
                "to": a.to_status.value,
                "by": None if a.by is None else {"id": str(a.by.id), "role": a.by.role},
            }
            for a in c.audit
        ],
    }


def _acted_by(raw: dict[str, str] | None) -> ActedBy | None:
    return None if raw is None else ActedBy(UUID(raw["id"]), raw["role"])


def _audit(doc: dict[str, Any], history: tuple[StatusChange, ...]) -> tuple[AuditEntry, ...]:
    """The audit trail; a case stored before there was one starts from its status history (who: unknown)."""
    if "audit" not in doc:
        return tuple(AuditEntry(h.at, EVENT_OF[h.action], h.from_status, h.to_status, None) for h in history)
    return tuple(
        AuditEntry(
            _dt(a["at"]),  # type: ignore[arg-type]
            a["action"],
            Status(a["from"]),
            Status(a["to"]),
            _acted_by(a["by"]),
        )
        for a in doc["audit"]
    )


def from_document(
    challenge_id: UUID, task_id: UUID, department: str, status: str, version: int, doc: dict[str, Any]
) -> Challenge:
    g, clock, decision = doc["group"], doc["clock"], doc["decision"]
    history = tuple(
        StatusChange(_dt(h["at"]), h["action"], Status(h["from"]), Status(h["to"]), h["reason"])  # type: ignore[arg-type]
        for h in doc["history"]
    )
    return Challenge(
        id=challenge_id,
        task_id=task_id,
        department=department,
        profile=profiles()[doc["profile"]],
        criteria=criteria_sets()[doc["criteria"]],
        group=Group(
            g["name"],
            g["legal_form"],
            UUID(g["representative_id"]),
            tuple(UUID(i) for i in g["co_initiator_ids"]),
            g["members_count"],
        ),
        submission=Submission(**doc["submission"]),
        documents=tuple(
            Document(UUID(d["id"]), d["filename"], d["content_type"], d["size"], d["sha256"]) for d in doc["documents"]
        ),
        status=Status(status),
        submitted_at=_dt(doc["submitted_at"]),
        clock=None
        if clock is None
        else DecisionClock(
            started_at=_dt(clock["started_at"]),  # type: ignore[arg-type]
            term=clock["term"],
            paused_since=_dt(clock["paused_since"]),
            paused_total=timedelta(seconds=clock["paused_seconds"]),
            extension=clock["extension"],
            extension_reason=clock["extension_reason"],
            pauses=tuple((_dt(a), _dt(b)) for a, b in clock["pauses"]),  # type: ignore[misc]
        ),
        information_request=doc["information_request"],
        return_to=Status(doc["return_to"]) if doc["return_to"] else None,
        modification=doc["modification"],
        modification_agreed=doc["modification_agreed"],
        gate_results=tuple(GateResult(**r) for r in doc["gate_results"]),
        assessment=Assessment(
            tuple(UUID(a) for a in doc["assessment"]["assessors"]),
            tuple(
                Score(UUID(s["assessor_id"]), s["criterion"], s["value"], s["motivation"])
                for s in doc["assessment"]["scores"]
            ),
        ),
        notice_texts=tuple(
            NoticeText(t["part"], t["text"], _dt(t["approved_at"]), _acted_by(t["approved_by"]))  # type: ignore[arg-type]
            for t in doc.get("notice_texts", [])
        ),
        decision=None
        if decision is None
        else Decision(
            decision["outcome"],
            tuple(decision["grounds"]),
            decision["motivation"],
            _dt(decision["decided_at"]),  # type: ignore[arg-type]
            decision["notice"],
        ),
        objected=doc["objected"],
        alerts=tuple(Alert(a["deadline"], a["level"], _dt(a["at"])) for a in doc.get("alerts", [])),  # type: ignore[arg-type]
        history=history,
        audit=_audit(doc, history),
        version=version,
    )
