"""The work queue in the gateway's database: changes applied as upserts keyed by case, the queue read
through a view, and the officials' saved views."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.tables import saved_views, work_items
from gateway.casework.queue import Change
from gateway.casework.views import PAGE_SIZE, View, deadline

MAX_SAVED_VIEWS = 20
DEFAULTS: dict[str, Any] = {"kind": "unknown", "state": "unknown", "open": False}
NONE: dict[str, Any] = {c.name: None for c in work_items.columns}
_upserts: dict[tuple[str, frozenset[str]], Any] = {}


def _upsert(dialect: str, fields: frozenset[str]) -> Any:
    """The upsert for changes that set these fields, built once (a few shapes; each built statement is
    compiled once by SQLAlchemy's cache, which keeps the consumer's cost per event low)."""
    found = _upserts.get((dialect, fields))
    if found is None:
        t = work_items
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
        updated = {name: insert.excluded[name] for name in sorted(fields)} | {"version": insert.excluded.version}
        found = _upserts[(dialect, fields)] = insert.on_conflict_do_update(
            index_elements=[t.c.service, t.c.case_id], set_=updated, where=t.c.version <= insert.excluded.version
        )
    return found


def _values(change: Change) -> dict[str, Any]:
    values = {**NONE, **DEFAULTS, **change.fields, "service": change.service, "case_id": change.case_id}
    return values | {"opened_at": change.at, "version": change.at}


def apply(connection: sa.Connection, change: Change) -> None:
    """Insert the case's item, or update it unless it already holds a newer change (one statement)."""
    connection.execute(_upsert(connection.dialect.name, frozenset(change.fields)), _values(change))


def apply_all(connection: sa.Connection, changes: Sequence[Change]) -> None:
    """The changes in their order, as one statement for each run of changes that set the same fields to
    different cases (one upsert cannot touch a row twice, and a case's changes must keep their order)."""
    run: list[Change] = []
    for change in [*changes, None]:
        ends = change is None or (
            run and (change.fields.keys() != run[0].fields.keys() or any(_same_case(change, c) for c in run))
        )
        if ends and run:
            statement = _upsert(connection.dialect.name, frozenset(run[0].fields))
            connection.execute(statement, [_values(c) for c in run])
            run = []
        if change is not None:
            run.append(change)


def _same_case(one: Change, other: Change) -> bool:
    return (one.service, one.case_id) == (other.service, other.case_id)


@dataclass(frozen=True)
class Found:
    items: list[dict[str, Any]]
    total: int


def _where(view: View, official: str, now: datetime) -> list[sa.ColumnElement[bool]]:
    """The view's conditions besides being open."""
    t = work_items
    conditions: list[sa.ColumnElement[bool]] = []
    for name in ("service", "state", "department", "district"):
        if getattr(view, name):
            conditions.append(t.c[name] == getattr(view, name))
    if view.assignee == "me":
        conditions.append(t.c.assignee == official)
    elif view.assignee == "nobody":
        conditions.append(t.c.assignee.is_(None))
    if view.overdue:
        conditions.append(sa.or_(t.c.due_at <= now, t.c.alert == "breached"))
    return conditions


def _order(sort: str) -> list[sa.ColumnElement[Any]]:
    t = work_items
    first = {
        "due": [t.c.due_at.asc().nulls_last()],
        "oldest": [t.c.opened_at.asc()],
        "newest": [t.c.version.desc()],
        "title": [t.c.title.asc().nulls_last()],
    }[sort]
    return [*first, t.c.service, t.c.case_id]


OPEN = work_items.c.open == sa.true()  # "= true", not "IS true": the queue's index starts with it


def find(connection: sa.Connection, view: View, official: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """One page of the view's open items, each with its deadline read now."""
    now = now or datetime.now(UTC)
    rows = connection.execute(
        sa.select(work_items)
        .where(OPEN, *_where(view, official, now))
        .order_by(*_order(view.sort))
        .limit(PAGE_SIZE)
        .offset((view.page - 1) * PAGE_SIZE)
    ).mappings()
    return [{**row, "deadline": deadline(row["due_at"], row["alert"], now)} for row in rows]


@dataclass(frozen=True)
class Summary:
    counts: list[int]  # how many open items each view asked about holds
    departments: list[str]  # the filters' choices: those of the open items
    districts: list[str]


def summary(connection: sa.Connection, views: list[View], official: str, now: datetime | None = None) -> Summary:
    """The count of each view and the filters' choices, in one pass over the open items (a count and a
    DISTINCT each would read them once per figure)."""
    now = now or datetime.now(UTC)
    t = work_items
    counts = [sa.func.count().filter(sa.and_(sa.true(), *_where(v, official, now))) for v in views]
    query = sa.select(t.c.department, t.c.district, *counts).where(OPEN).group_by(t.c.department, t.c.district)
    groups = connection.execute(query).all()
    totals = [sum(int(row[2 + i]) for row in groups) for i in range(len(views))]
    departments = sorted({str(row[0]) for row in groups if row[0] is not None})
    return Summary(totals, departments, sorted({str(row[1]) for row in groups if row[1] is not None}))


# --- saved views ---------------------------------------------------------------------------------------


class TooManyViews(Exception):
    pass


def save_view(connection: sa.Connection, official: str, name: str, query: str) -> None:
    """Keep a view under a name; the same name again replaces its query."""
    t = saved_views
    existing = connection.execute(
        sa.select(t.c.id).where(t.c.official_id == official, t.c.name == name).with_for_update()
    ).first()
    if existing is not None:
        connection.execute(t.update().where(t.c.id == existing.id).values(query=query))
        return
    kept = connection.execute(sa.select(sa.func.count()).where(t.c.official_id == official)).scalar_one()
    if kept >= MAX_SAVED_VIEWS:
        raise TooManyViews
    connection.execute(
        t.insert().values(
            id=str(uuid.uuid4()), official_id=official, name=name, query=query, created_at=datetime.now(UTC)
        )
    )


def views_of(connection: sa.Connection, official: str) -> Sequence[sa.RowMapping]:
    t = saved_views
    return connection.execute(sa.select(t).where(t.c.official_id == official).order_by(t.c.name)).mappings().all()


def delete_view(connection: sa.Connection, official: str, view_id: str) -> bool:
    t = saved_views
    gone = connection.execute(t.delete().where(t.c.id == view_id, t.c.official_id == official))
    return bool(gone.rowcount)
