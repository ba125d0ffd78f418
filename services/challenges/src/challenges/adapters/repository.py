"""Challenges and tasks in and out of the database; every save checks the version it read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from challenges.adapters.serialization import from_document, to_document
from challenges.adapters.tables import challenges, documents, tasks
from challenges.domain.challenge import Challenge
from challenges.domain.gates import Window
from challenges.domain.states import BEFORE_DECISION, Status
from meemaken_events import TransientError, jsontext
from meemaken_events.tables import json_recordset
from meemaken_kit import TrackingRepository
from meemaken_kit.pipelining import counted


class ConcurrentUpdate(TransientError):
    """Someone else changed the challenge since it was read; nothing was written.

    Over HTTP the caller gets a 409 and may retry; in a consumer the loop retries the event."""


@dataclass(frozen=True)
class Task:
    id: UUID
    title: str
    description: str
    department: str
    current_yearly_cost_cents: int
    budget_cents: int
    profile: str
    criteria_set: str | None  # None: the profile's default, filled in before it is stored
    open: bool
    blocked_by: str | None
    eligible_legal_forms: tuple[str, ...]
    min_members: int
    windows: tuple[Window, ...]
    version: int = 1


class TaskRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(self, task: Task) -> None:
        self.connection.execute(tasks.insert().values(**_task_row(task)))

    def save(self, task: Task) -> None:
        row = _task_row(task)
        row["version"] = task.version + 1
        updated = self.connection.execute(
            tasks.update().where(tasks.c.id == task.id, tasks.c.version == task.version).values(**row)
        ).rowcount
        if updated != 1:
            raise ConcurrentUpdate(f"task {task.id} changed meanwhile")

    def get(self, task_id: UUID) -> Task | None:
        row = self.connection.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
        return _task(row) if row else None

    def list(self) -> list[Task]:
        return [_task(r) for r in self.connection.execute(sa.select(tasks).order_by(tasks.c.department, tasks.c.title))]


# Built once: every use case runs these, and a prebuilt statement skips SQLAlchemy's per-call work.
_GET = sa.select(challenges).where(challenges.c.id == sa.bindparam("challenge_id"))
_OTHER = challenges.alias("other")
_OPEN_OTHERS_ON_TASK = (
    sa.select(sa.func.count())
    .where(
        _OTHER.c.task_id == challenges.c.task_id,
        _OTHER.c.id != challenges.c.id,
        _OTHER.c.status.in_([s.value for s in BEFORE_DECISION]),
    )
    .scalar_subquery()
)
_TASK_PREFIX = "task__"
_GATE_READ = sa.select(
    challenges,
    *(c.label(_TASK_PREFIX + c.name) for c in tasks.c),
    _OPEN_OTHERS_ON_TASK.label("open_challenges"),
).join_from(challenges, tasks, tasks.c.id == challenges.c.task_id)
# On PostgreSQL the batch's ids as one array parameter: a statement of fixed text, where an expanding IN list made
# SQLAlchemy render the statement anew for every batch (and psycopg prepare it anew for every batch size)
_GATE_CHECK = {
    "postgresql": _GATE_READ.where(challenges.c.id == sa.any_(sa.bindparam("challenge_ids", type_=ARRAY(sa.Uuid())))),
    "sqlite": _GATE_READ.where(challenges.c.id.in_(sa.bindparam("challenge_ids", expanding=True))),
}
_SAVE = challenges.update().where(
    challenges.c.id == sa.bindparam("where_id"), challenges.c.version == sa.bindparam("where_version")
)
# On PostgreSQL every challenge of a save in one statement of fixed text (an executemany ran one UPDATE per
# challenge of a gate batch), its rows one JSON document, the records of `json_to_recordset`: one string to send,
# where a text array of each column made psycopg escape every quote of every challenge's JSON state (an eighth of
# the gate consumer's time); the JSON columns go in as JSON values, the others as their text.
_SAVED_COLUMNS = ("id", "version", *(c.name for c in challenges.c if c.name not in ("id", "version")))
_SAVED = json_recordset("saved", *(sa.column(name, challenges.c[name].type) for name in _SAVED_COLUMNS))
_SAVE_ALL = (
    challenges.update()
    .where(challenges.c.id == _SAVED.c.id, challenges.c.version == _SAVED.c.version)
    .values({**{name: _SAVED.c[name] for name in _SAVED_COLUMNS[2:]}, "version": _SAVED.c.version + 1})
)


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as one JSON document for `json_to_recordset` (PostgreSQL): UUIDs as text, moments in ISO 8601 with
    their offset."""
    return jsontext.dumps(rows, default=_as_json).decode()


def _as_json(value: Any) -> str:
    """A value JSON does not know, in a saved row: a moment (ISO 8601, with its offset) or a UUID (orjson writes
    one itself, alike)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


class ChallengeRepository(TrackingRepository):
    """Every challenge it loads or adds, its unit of work publishes the events of (and syncs the timers of)."""

    def add(self, challenge: Challenge) -> None:
        self.connection.execute(challenges.insert(), {**_row(challenge), "version": challenge.version})
        self._saw(challenge)

    def get(self, challenge_id: UUID) -> Challenge | None:
        row = self.connection.execute(_GET, {"challenge_id": challenge_id}).first()
        return self._saw(_challenge(row) if row else None)

    def for_gate_check(self, challenge_ids: Sequence[UUID]) -> dict[UUID, tuple[Challenge, Task, int]]:
        """Each challenge found, its task and how many other challenges on that task are still open: the gate
        check's whole reading, in one round trip for all of them (seen in the order asked)."""
        found = {}
        read = _GATE_CHECK[self.connection.dialect.name]
        for row in self.connection.execute(read, {"challenge_ids": list(dict.fromkeys(challenge_ids))}):
            task = {k[len(_TASK_PREFIX) :]: v for k, v in row._mapping.items() if k.startswith(_TASK_PREFIX)}
            found[row.id] = (_challenge(row), _task(SimpleNamespace(**task)), int(row.open_challenges))
        return {i: (self._saw(found[i][0]), *found[i][1:]) for i in challenge_ids if i in found}

    def save(self, *saved: Challenge) -> None:
        """Each challenge at its next version, in one statement; none if any of them changed meanwhile (checked
        when the statement has been answered: within ``writes_in_one_go``, at the block's end)."""

        def each_saved(updated: int) -> None:
            if updated != len(saved):
                raise ConcurrentUpdate(f"challenge {', '.join(str(c.id) for c in saved)} changed meanwhile")
            for challenge in saved:
                challenge.version += 1

        if self.connection.dialect.name == "postgresql":
            rows = [{**_row(challenge), "version": challenge.version} for challenge in saved]
            counted(self.connection, _SAVE_ALL, {"saved": json_rows(rows)}, each_saved)
            return
        rows = []
        for challenge in saved:
            values = {**_row(challenge), "version": challenge.version + 1}
            values.pop("id")
            rows.append({**values, "where_id": challenge.id, "where_version": challenge.version})
        each_saved(self.connection.execute(_SAVE, rows).rowcount)

    def list(self, where: Any, limit: int, offset: int) -> list[Challenge]:
        query = (
            sa.select(challenges)
            .where(where)
            .order_by(challenges.c.decision_due_at.asc().nulls_last(), challenges.c.updated_at)
            .limit(limit)
            .offset(offset)
        )
        return self._saw_all(_challenge(r) for r in self.connection.execute(query))

    def document(self, challenge_id: UUID, document_id: UUID) -> sa.Row | None:
        query = sa.select(documents).where(documents.c.challenge_id == challenge_id, documents.c.id == document_id)
        return self.connection.execute(query).first()

    def add_document(self, challenge_id: UUID, document: Any, content: bytes) -> None:
        self.connection.execute(
            documents.insert().values(
                id=document.id,
                challenge_id=challenge_id,
                filename=document.filename,
                content_type=document.content_type,
                size=document.size,
                sha256=document.sha256,
                content=content,
                uploaded_at=datetime.now(UTC),
            )
        )


def _row(c: Challenge) -> dict[str, Any]:
    due = c.clock.due_at() if c.clock is not None and c.status in BEFORE_DECISION else None
    return {
        "id": c.id,
        "task_id": c.task_id,
        "department": c.department,
        "status": c.status.value,
        "member_ids": [str(c.group.representative_id), *(str(i) for i in c.group.co_initiator_ids)],
        "assessor_ids": [str(a) for a in c.assessment.assessors],
        "decision_due_at": due,
        "published": c.decision is not None and c.status is not Status.WITHDRAWN,
        "alert": "breached" if any(a.level == "breached" for a in c.alerts) else ("near_breach" if c.alerts else None),
        "state": to_document(c),
        "updated_at": datetime.now(UTC),
    }


def _challenge(row: sa.Row) -> Challenge:
    return from_document(row.id, row.task_id, row.department, row.status, row.version, row.state)


def _task_row(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "department": t.department,
        "current_yearly_cost_cents": t.current_yearly_cost_cents,
        "budget_cents": t.budget_cents,
        "profile": t.profile,
        "criteria_set": t.criteria_set,
        "open": t.open,
        "blocked_by": t.blocked_by,
        "eligible_legal_forms": list(t.eligible_legal_forms),
        "min_members": t.min_members,
        "windows": [[w.opens_at.isoformat(), w.closes_at.isoformat()] for w in t.windows],
        "version": t.version,
    }


def _task(row: Any) -> Task:
    return Task(
        id=row.id,
        title=row.title,
        description=row.description,
        department=row.department,
        current_yearly_cost_cents=row.current_yearly_cost_cents,
        budget_cents=row.budget_cents,
        profile=row.profile,
        criteria_set=row.criteria_set,
        open=row.open,
        blocked_by=row.blocked_by,
        eligible_legal_forms=tuple(row.eligible_legal_forms),
        min_members=row.min_members,
        windows=tuple(Window(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in row.windows),
        version=row.version,
    )
