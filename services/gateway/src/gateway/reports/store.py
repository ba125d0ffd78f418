"""The reports' reads of the gateway's database: the verified attributes of the people who logged in,
and the work queue's items (open, and closed within the inbox's retention, after which the worker
forgets them). A closed item's ``version`` is the time of the event that closed it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from gateway.adapters.tables import people, verified_attributes, work_items
from gateway.casework.store import OPEN
from gateway.reports.figures import UNKNOWN, Answered, age_band


def participants(connection: sa.Connection, bands: list[str], today: date) -> tuple[list[str], list[str]]:
    """Each person who logged in: their verified district, and their age band today (UNKNOWN when unverified)."""
    attrs: dict[str, dict[str, str]] = {}
    rows = connection.execute(
        sa.select(verified_attributes.c.person_id, verified_attributes.c.attribute, verified_attributes.c.value).where(
            verified_attributes.c.attribute.in_(("district", "birthdate"))
        )
    )
    for person, attribute, value in rows:
        attrs.setdefault(person, {})[attribute] = value
    districts, ages = [], []
    for (person,) in connection.execute(sa.select(people.c.person_id)):
        known = attrs.get(person, {})
        districts.append(known.get("district") or UNKNOWN)
        born = known.get("birthdate")
        ages.append(age_band(date.fromisoformat(born), today, bands) if born else UNKNOWN)
    return districts, ages


# A budget round's steps and its projects' reviews are the municipality's own schedule, not answers owed.
NOT_ANSWERS = ("prepare_round", "review_feasibility", "close_voting", "publish_results", "assess_project")


def answered(connection: sa.Connection, services: tuple[str, ...]) -> list[tuple[str, Answered]]:
    """The closed cases of these services that asked for an answer: (service, the case's department,
    opening, closing, deadline)."""
    t = work_items
    rows = connection.execute(
        sa.select(t.c.service, t.c.department, t.c.opened_at, t.c.version, t.c.due_at).where(
            t.c.open == sa.false(), t.c.service.in_(services), t.c.kind.notin_(NOT_ANSWERS)
        )
    )
    return [(r.service, Answered(r.department or "", r.opened_at, r.version, r.due_at)) for r in rows]


def overdue(connection: sa.Connection, now: datetime | None = None) -> list[tuple[str, str, int]]:
    """(service, department, how many open items are past their deadline) now."""
    t = work_items
    now = now or datetime.now(UTC)
    late = sa.or_(t.c.due_at <= now, t.c.alert == "breached")
    query = sa.select(t.c.service, t.c.department, sa.func.count()).where(OPEN, late, t.c.kind.notin_(NOT_ANSWERS))
    return [(s, d or "", int(n)) for s, d, n in connection.execute(query.group_by(t.c.service, t.c.department))]


def by_state(connection: sa.Connection, services: tuple[str, ...]) -> list[tuple[str, str, bool, int]]:
    """(service, state, open, how many cases) of the read model."""
    t = work_items
    query = sa.select(t.c.service, t.c.state, t.c.open, sa.func.count()).where(t.c.service.in_(services))
    query = query.group_by(t.c.service, t.c.state, t.c.open).order_by(t.c.service, t.c.open.desc(), t.c.state)
    return [(s, st, bool(o), int(n)) for s, st, o, n in connection.execute(query)]
