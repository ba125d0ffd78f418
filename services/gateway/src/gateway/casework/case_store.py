"""The case pages in the gateway's database: each case's events kept as the consumer handles them
(an event's id once: a redelivery or a replay adds nothing), assignments (the latest is the work
item's assignee), and the officials' internal notes and attached documents."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.case_tables import case_assignments, case_attachments, case_events, case_notes
from gateway.adapters.tables import work_items
from gateway.casework.timeline import Assignment, Entry, current_assignee

MAX_NOTE = 4000
MAX_ATTACHMENTS = 20  # per case


def _insert_once(connection: sa.Connection, table: sa.Table, values: dict[str, Any] | list[dict[str, Any]]) -> None:
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    connection.execute(insert.on_conflict_do_nothing(), values)


def record(connection: sa.Connection, entry: Entry) -> None:
    """Keep an event in its case's history, unless it is already there."""
    record_all(connection, [entry])


def record_all(connection: sa.Connection, entries: Sequence[Entry]) -> None:
    """Keep events in their cases' histories, those not already there, in one statement."""
    if entries:
        _insert_once(connection, case_events, [_row(e) for e in entries])


def _row(entry: Entry) -> dict[str, Any]:
    return {
        "service": entry.service,
        "case_id": entry.case_id,
        "event_id": entry.event_id,
        "at": entry.at,
        "event": entry.event,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "facts": dict(entry.facts),
    }


def assign(connection: sa.Connection, assignment: Assignment) -> None:
    """Keep an assignment (once) and make the case's latest one the work item's assignee."""
    _insert_once(connection, case_assignments, {**assignment.__dict__})
    found = assignments(connection, assignment.service, assignment.case_id)
    t = work_items
    connection.execute(
        t.update()
        .where(t.c.service == assignment.service, t.c.case_id == assignment.case_id)
        .values(assignee=current_assignee(found))
    )


def history(connection: sa.Connection, service: str, case_id: str) -> list[Entry]:
    t = case_events
    rows = connection.execute(
        sa.select(t).where(t.c.service == service, t.c.case_id == case_id).order_by(t.c.at, t.c.event_id)
    ).mappings()
    return [Entry(**row) for row in rows]


def assignments(connection: sa.Connection, service: str, case_id: str) -> list[Assignment]:
    t = case_assignments
    rows = connection.execute(
        sa.select(t).where(t.c.service == service, t.c.case_id == case_id).order_by(t.c.at, t.c.id)
    ).mappings()
    return [Assignment(**row) for row in rows]


def item(connection: sa.Connection, service: str, case_id: str) -> sa.RowMapping | None:
    """The case's work item (open or closed), or None when the queue never heard of it."""
    t = work_items
    return connection.execute(sa.select(t).where(t.c.service == service, t.c.case_id == case_id)).mappings().first()


def add_note(connection: sa.Connection, service: str, case_id: str, author: str, role: str, text: str) -> None:
    connection.execute(
        case_notes.insert().values(
            id=str(uuid.uuid4()),
            service=service,
            case_id=case_id,
            author_id=author,
            author_role=role,
            text=text[:MAX_NOTE],
            written_at=datetime.now(UTC),
        )
    )


def notes(connection: sa.Connection, service: str, case_id: str) -> Sequence[sa.RowMapping]:
    """The case's notes, newest first."""
    t = case_notes
    query = sa.select(t).where(t.c.service == service, t.c.case_id == case_id)
    return connection.execute(query.order_by(t.c.written_at.desc(), t.c.id)).mappings().all()


class TooManyAttachments(Exception):
    pass


def attach(
    connection: sa.Connection,
    service: str,
    case_id: str,
    document: tuple[str, str, bytes],
    author: str,
    role: str,
) -> str:
    """Keep an official's document (filename, the type its content showed, bytes) with the case; its id."""
    t = case_attachments
    kept = connection.execute(
        sa.select(sa.func.count()).where(t.c.service == service, t.c.case_id == case_id)
    ).scalar_one()
    if kept >= MAX_ATTACHMENTS:
        raise TooManyAttachments
    filename, content_type, content = document
    found = str(uuid.uuid4())
    connection.execute(
        t.insert().values(
            id=found,
            service=service,
            case_id=case_id,
            filename=filename[:200],
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            added_by=author,
            added_by_role=role,
            added_at=datetime.now(UTC),
        )
    )
    return found


def attachments(connection: sa.Connection, service: str, case_id: str) -> Sequence[sa.RowMapping]:
    """The case's documents without their bytes, newest first."""
    t = case_attachments
    shown = [c for c in t.columns if c.name != "content"]
    query = sa.select(*shown).where(t.c.service == service, t.c.case_id == case_id)
    return connection.execute(query.order_by(t.c.added_at.desc(), t.c.id)).mappings().all()


def attachment(connection: sa.Connection, attachment_id: str) -> sa.RowMapping | None:
    """One document with its bytes, or None."""
    t = case_attachments
    return connection.execute(sa.select(t).where(t.c.id == attachment_id)).mappings().first()
