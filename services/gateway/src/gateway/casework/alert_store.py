"""Deadline alerts in the gateway's database: the desk roles officials' logins gave (who supervises which
department), the worker's step that announces each new crossing once (a row and an event in one
transaction) to the case's assignee, its department's supervisors and its group's mentors, and what the
alerts pages read.

The supervisors of a department are the officials whose last login gave them the role ``supervisor``
scoped to that department (``department:<name>``) or municipality-wide; a case without a department
concerns the municipality-wide ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.desk_tables import deadline_alerts, official_roles
from gateway.adapters.tables import work_items
from gateway.casework import mentor_store
from gateway.casework.alert_events import DEADLINE_ALERT, DeadlineAlert
from gateway.casework.crossings import BREACHED, Crossing, to_announce, window
from gateway.casework.store import OPEN
from meemaken_events import EventFactory, Outbox
from meemaken_kit.roles import Role

DESK_ROLES = (Role.SUPERVISOR, Role.MENTOR)  # the roles the desk must know of when their holder is away
BATCH = 500
LATE = timedelta(minutes=10)  # how late an event may reach the queue and still be seen by the next run
FULL = timedelta(hours=1)  # how often the step reads every candidate again
REREAD = timedelta(minutes=1)  # how long a read's crossings may wait for their turn before a new read


def remember_desk_roles(
    engine: sa.Engine, person_id: str, roles: Iterable[str], scopes: Mapping[str, Sequence[str]]
) -> None:
    """At login: the person's desk roles now (replacing what their last login gave)."""
    now = datetime.now(UTC)
    rows = [
        {"person_id": person_id, "role": role, "scope": scope, "seen_at": now}
        for role in sorted(set(roles) & set(DESK_ROLES))
        for scope in (scopes.get(role) or ("",))
    ]
    with engine.begin() as conn:
        conn.execute(official_roles.delete().where(official_roles.c.person_id == person_id))
        if rows:
            conn.execute(official_roles.insert(), rows)


def supervisors(conn: sa.Connection, department: str | None) -> list[str]:
    t = official_roles
    scopes = [""] + ([f"department:{department}"] if department else [])
    found = conn.execute(
        sa.select(t.c.person_id).where(t.c.role == Role.SUPERVISOR, t.c.scope.in_(scopes)).distinct()
    ).scalars()
    return sorted(str(p) for p in found)


def supervised_departments(conn: sa.Connection, person_id: str) -> list[str] | None:
    """The departments this supervisor's last login scoped them to; None: municipality-wide (or no login yet)."""
    t = official_roles
    scopes = list(conn.execute(sa.select(t.c.scope).where(t.c.person_id == person_id, t.c.role == Role.SUPERVISOR)))
    named = [s for (s,) in scopes if s.startswith("department:")]
    return None if not scopes or any(s == "" for (s,) in scopes) else [s.removeprefix("department:") for s in named]


def _candidates(
    conn: sa.Connection, now: datetime, since: datetime | None = None
) -> tuple[list[Mapping[str, Any]], set[tuple[str, str, str, str]]]:
    """Open items that may have crossed a level now, and the crossings of theirs already announced; with
    ``since``, only those whose level can have changed after it: due dates that came within the window
    or passed since (two ranges of the queue's index on the due date) and items an event changed (the
    index on the version)."""
    w, a = work_items, deadline_alerts
    near = sa.or_(w.c.due_at <= window(now), w.c.alert.is_not(None))
    if since is not None:
        passed = sa.and_(w.c.due_at > since, w.c.due_at <= now)
        came_near = sa.and_(w.c.due_at > window(since), w.c.due_at <= window(now))
        near = sa.and_(near, sa.or_(passed, came_near, w.c.version > since - LATE))
    rows = conn.execute(
        sa.select(w, a.c.level.label("announced_level"), a.c.due.label("announced_due"))
        .select_from(w.outerjoin(a, sa.and_(a.c.service == w.c.service, a.c.case_id == w.c.case_id)))
        .where(OPEN, near)
        .order_by(w.c.due_at.asc().nulls_last(), w.c.service, w.c.case_id)
    ).mappings()
    items: dict[tuple[str, str], Mapping[str, Any]] = {}
    announced: set[tuple[str, str, str, str]] = set()
    for row in rows:
        items.setdefault((row["service"], row["case_id"]), dict(row))
        if row["announced_level"] is not None:
            announced.add((row["service"], row["case_id"], row["announced_level"], row["announced_due"]))
    return list(items.values()), announced


def _announce(conn: sa.Connection, outbox: Outbox, events: EventFactory, c: Crossing, now: datetime) -> bool:
    """The crossing's row and its event, or nothing when another worker announced it first."""
    service, case_id, level, due = c.key
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(deadline_alerts)
    row = {"service": service, "case_id": case_id, "level": level, "due": due}
    inserted = conn.execute(
        insert.values(**row, department=c.department, announced_at=now).on_conflict_do_nothing()
    ).rowcount
    if not inserted:
        return False
    mentors = mentor_store.mentor_ids(conn, service, case_id)  # the group's coaches hear of its deadlines
    officials = sorted({*([c.assignee] if c.assignee else []), *supervisors(conn, c.department), *mentors})
    data = DeadlineAlert(
        service=c.service,  # type: ignore[typeddict-item]
        case_id=c.case_id,
        kind=c.kind,
        level=c.level,  # type: ignore[typeddict-item]
        due_at=None if c.due_at is None else c.due_at.isoformat(),
        department=c.department,
        officials=officials,
        announced_at=now.isoformat(),
    )
    outbox.add(conn, [events.create(DEADLINE_ALERT, key=f"{service}:{case_id}", data=data)])
    return True


def _crossings(engine: sa.Engine, now: datetime, since: datetime | None) -> list[Crossing]:
    with engine.connect() as conn:
        items, announced = _candidates(conn, now, since)
    return to_announce(items, announced, now)


def _announce_each(
    engine: sa.Engine, outbox: Outbox, events: EventFactory, crossings: list[Crossing], now: datetime
) -> int:
    announced_now = 0
    for crossing in crossings:
        with engine.begin() as conn:  # a crossing another worker announced first inserts nothing here
            announced_now += _announce(conn, outbox, events, crossing, now)
    return announced_now


def announce_crossings(
    engine: sa.Engine, outbox: Outbox, events: EventFactory, now: datetime | None = None, since: datetime | None = None
) -> int:
    """Announce each crossing not announced yet (of the items changed after ``since``, when given), each in
    its own transaction (a crossing another worker announced first is skipped). How many were announced
    (at most BATCH)."""
    now = now or datetime.now(UTC)
    return _announce_each(engine, outbox, events, _crossings(engine, now, since)[:BATCH], now)


@dataclass
class CrossingWatch:
    """The worker's alert step with its memory: a read of every candidate first and every FULL after, and
    in between only the items whose level can have changed since the last read whose crossings were all
    announced (an event reaching the consumer more than LATE after it happened waits for the next full
    read). What a read found is announced BATCH per run, without reading again for at most REREAD."""

    engine: sa.Engine
    outbox: Outbox
    events: EventFactory
    since: datetime | None = None  # the last read whose crossings were all announced
    full_at: datetime | None = None
    backlog: list[Crossing] = field(default_factory=list)  # found by the last read, not announced yet
    read_at: datetime | None = None
    reading_full: bool = False

    def __call__(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        if not self.backlog or self.read_at is None or now - self.read_at >= REREAD:
            self.reading_full = self.full_at is None or now - self.full_at >= FULL
            self.backlog = _crossings(self.engine, now, None if self.reading_full else self.since)
            self.read_at = now
        batch, self.backlog = self.backlog[:BATCH], self.backlog[BATCH:]
        announced = _announce_each(self.engine, self.outbox, self.events, batch, now)
        if not self.backlog:  # all the read found is announced: the next read starts from it
            self.since = self.read_at
            self.full_at = self.read_at if self.reading_full else self.full_at
        return announced


# --- what the alerts pages read ----------------------------------------------------------------------


@dataclass(frozen=True)
class Breaches:
    department: str | None
    service: str
    count: int
    oldest_due: datetime | None


def breaches(conn: sa.Connection, now: datetime, departments: list[str] | None = None) -> list[Breaches]:
    """Open items past their deadline, per department and service: how many, and the oldest due date."""
    w = work_items
    past = sa.or_(w.c.due_at <= now, w.c.alert == BREACHED)
    query = (
        sa.select(w.c.department, w.c.service, sa.func.count(), sa.func.min(w.c.due_at))
        .where(OPEN, past)
        .group_by(w.c.department, w.c.service)
    )
    if departments is not None:
        query = query.where(w.c.department.in_(departments))
    rows = conn.execute(query).all()
    found = [Breaches(d, s, int(n), oldest) for d, s, n, oldest in rows]
    return sorted(found, key=lambda b: (b.department is None, b.department or "", b.service))


@dataclass(frozen=True)
class DepartmentBreaches:
    department: str | None
    count: int
    oldest_due: datetime | None
    services: list[Breaches]


def by_department(rows: list[Breaches]) -> list[DepartmentBreaches]:
    """The breaches per department: the total, the oldest due date, and each service's figures."""
    found: dict[str | None, list[Breaches]] = {}
    for row in rows:
        found.setdefault(row.department, []).append(row)
    return [
        DepartmentBreaches(
            department,
            sum(r.count for r in services),
            min((r.oldest_due for r in services if r.oldest_due is not None), default=None),
            services,
        )
        for department, services in found.items()
    ]


def alerted_items(
    conn: sa.Connection, official: str, departments: list[str] | None, supervising: bool, now: datetime
) -> list[Mapping[str, Any]]:
    """The open items near or past their deadline that concern this official: assigned to them, and when
    they supervise, those of their departments (all, when municipality-wide)."""
    w = work_items
    concern = [w.c.assignee == official]
    if supervising:
        concern.append(sa.true() if departments is None else w.c.department.in_(departments))
    near = sa.or_(w.c.due_at <= window(now), w.c.alert.is_not(None))
    rows = conn.execute(
        sa.select(w).where(OPEN, near, sa.or_(*concern)).order_by(w.c.due_at.asc().nulls_last()).limit(200)
    ).mappings()
    return [dict(row) for row in rows]
