"""Mentors in the gateway's database: who coaches the group of which case (a proposal's authors, a
challenge's group), assigned by a case officer; the guidance a mentor leaves for the group; and the
group's cases with their deadlines, from the work queue's read model.

A mentor is an official whose last login gave the role ``mentor`` (gateway.casework.alert_store keeps
it), found by the reference code on their account page. Guidance is for the case's own group: the
portal shows it on that proposal's or challenge's page to its authors or group only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.desk_tables import mentor_assignments, mentor_guidance, official_roles
from gateway.adapters.tables import people, work_items
from gateway.identity.pseudonyms import normalise_reference
from meemaken_kit.roles import Role

GROUP_SERVICES = ("proposals", "challenges")  # the cases with a group of co-producers
MAX_GUIDANCE = 2000


def has_group(item: Mapping[str, Any] | sa.RowMapping) -> bool:
    """Whether a work item's case has a group of co-producers: a proposal (its authors), a challenge."""
    return item["service"] == "challenges" or item["kind"] == "answer_proposal"


def mentor_by_reference(conn: sa.Connection, typed: str) -> str | None:
    """The person id of a mentor who logged in with this reference code, or None."""
    reference = normalise_reference(typed)
    if reference is None:
        return None
    found = conn.execute(
        sa.select(people.c.person_id)
        .join(official_roles, official_roles.c.person_id == people.c.person_id)
        .where(people.c.reference == reference, official_roles.c.role == Role.MENTOR)
    ).first()
    return None if found is None else str(found[0])


def assign(conn: sa.Connection, service: str, case_id: str, mentor: str, by: str) -> bool:
    """The mentor coaches the case's group from now on; False when they already did."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(mentor_assignments)
    values = {"service": service, "case_id": case_id, "mentor_id": mentor, "assigned_by": by}
    done = conn.execute(insert.values(**values, assigned_at=datetime.now(UTC)).on_conflict_do_nothing())
    return bool(done.rowcount)


def unassign(conn: sa.Connection, service: str, case_id: str, mentor: str) -> bool:
    t = mentor_assignments
    gone = conn.execute(t.delete().where(t.c.service == service, t.c.case_id == case_id, t.c.mentor_id == mentor))
    return bool(gone.rowcount)


def mentors_of(conn: sa.Connection, service: str, case_id: str) -> list[dict[str, Any]]:
    """The case's mentors with their reference codes, in the order they were assigned."""
    t = mentor_assignments
    rows = conn.execute(
        sa.select(t.c.mentor_id, t.c.assigned_at, people.c.reference)
        .outerjoin(people, people.c.person_id == t.c.mentor_id)
        .where(t.c.service == service, t.c.case_id == case_id)
        .order_by(t.c.assigned_at, t.c.mentor_id)
    ).mappings()
    return [dict(row) for row in rows]


def mentor_ids(conn: sa.Connection, service: str, case_id: str) -> list[str]:
    t = mentor_assignments
    found = conn.execute(sa.select(t.c.mentor_id).where(t.c.service == service, t.c.case_id == case_id)).scalars()
    return sorted(str(p) for p in found)


def is_mentor_of(conn: sa.Connection, mentor: str, service: str, case_id: str) -> bool:
    return mentor in mentor_ids(conn, service, case_id)


def groups_of(conn: sa.Connection, mentor: str) -> list[dict[str, Any]]:
    """The cases whose groups this mentor coaches, each with its work item (open or not, its due date),
    soonest deadline first."""
    t, w = mentor_assignments, work_items
    rows = conn.execute(
        sa.select(t.c.service, t.c.case_id, t.c.assigned_at, w.c.kind, w.c.state, w.c.open, w.c.title)
        .add_columns(w.c.due_at, w.c.alert, w.c.department)
        .outerjoin(w, sa.and_(w.c.service == t.c.service, w.c.case_id == t.c.case_id))
        .where(t.c.mentor_id == mentor)
        .order_by(w.c.due_at.asc().nulls_last(), t.c.assigned_at)
    ).mappings()
    return [dict(row) for row in rows]


def add_guidance(conn: sa.Connection, service: str, case_id: str, mentor: str, text: str) -> None:
    conn.execute(
        mentor_guidance.insert().values(
            id=str(uuid.uuid4()),
            service=service,
            case_id=case_id,
            mentor_id=mentor,
            text=text[:MAX_GUIDANCE],
            written_at=datetime.now(UTC),
        )
    )


def guidance(conn: sa.Connection, service: str, case_id: str) -> Sequence[sa.RowMapping]:
    """What the case's mentors wrote for its group, newest first."""
    t = mentor_guidance
    return (
        conn.execute(
            sa.select(t.c.text, t.c.written_at, t.c.mentor_id)
            .where(t.c.service == service, t.c.case_id == case_id)
            .order_by(t.c.written_at.desc(), t.c.id)
        )
        .mappings()
        .all()
    )
