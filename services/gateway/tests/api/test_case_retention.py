"""A closed case's records go CASEWORK_RETENTION_DAYS after its last event, on PostgreSQL, through the
gateway's own stores: its work item, history, assignment, note, attachment, mentor, guidance and the
deadline crossing announced for it, in bounded batches; an open case's rows stay however old, and so do
those of a case closed more recently. The upgrade to 0011 deletes what the old 30-day forgetting of closed work items
left of their cases, and nothing of a case whose item is still there or whose rows are recent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from gateway.adapters import tables
from gateway.bootstrap import SERVICE
from gateway.casework import case_store, mentor_store
from gateway.casework.alert_store import announce_crossings
from gateway.casework.queue import change_for
from gateway.casework.retention import CASE_TABLES, forget_closed_cases
from gateway.casework.store import apply
from gateway.casework.timeline import Assignment, entry_for
from gateway.settings import GatewaySettings
from meemaken_events import EventFactory, Outbox, UtcDateTime
from meemaken_kit import make_engine, migrate
from meemaken_kit.config import ConfigurationError

NOW = datetime.now(UTC)
KEPT = timedelta(days=365)
PROPOSAL = "org.meemaken.proposals.proposal."
OFFICIAL = str(uuid.uuid4())


@pytest.fixture()
def engine(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def proposal_case(engine, opened: datetime, answered: datetime | None) -> str:
    """A proposal that reached its threshold at ``opened``, was late (the crossing announced), got a note, an
    attachment, an assignee, a mentor and guidance; answered at ``answered``, or still waiting."""
    pid = str(uuid.uuid4())
    data = {"proposal_id": pid, "process_id": "p", "title": "Benches", "author_id": pid, "supporters": 300}
    data |= {"threshold": 300, "answer_due_at": (opened + timedelta(days=1)).isoformat()}
    late = opened + timedelta(days=2)
    with engine.begin() as conn:
        apply(conn, change_for(f"{PROPOSAL}threshold_reached.v1", data, opened))
        case_store.record(conn, entry_for(str(uuid.uuid4()), f"{PROPOSAL}threshold_reached.v1", data, opened))
        case_store.assign(conn, Assignment(str(uuid.uuid4()), "proposals", pid, OFFICIAL, opened, OFFICIAL))
        case_store.add_note(conn, "proposals", pid, OFFICIAL, "case_officer", "Ask mobility first.")
        case_store.attach(
            conn, "proposals", pid, ("plan.pdf", "application/pdf", b"%PDF-1.4"), OFFICIAL, "case_officer"
        )
        mentor_store.assign(conn, "proposals", pid, OFFICIAL, OFFICIAL)
        mentor_store.add_guidance(conn, "proposals", pid, OFFICIAL, "Add a map of the square.")
    announce_crossings(engine, Outbox(tables.outbox), EventFactory("urn:test:gateway"), now=late)
    if answered is not None:
        done = {**data, "position": "adopted"}
        with engine.begin() as conn:
            apply(conn, change_for(f"{PROPOSAL}answered.v1", done, answered))
            case_store.record(conn, entry_for(str(uuid.uuid4()), f"{PROPOSAL}answered.v1", done, answered))
    return pid


def kept(engine) -> dict[str, set[str]]:
    """Each case table's cases (and the work items')."""
    with engine.connect() as conn:
        return {
            t.name: set(conn.execute(sa.select(t.c.case_id).distinct()).scalars())
            for t in (*CASE_TABLES, tables.work_items)
        }


def test_closed_cases_past_their_retention_go_in_batches_and_open_ones_stay(engine):
    long_ago = NOW - KEPT - timedelta(days=30)
    old = [proposal_case(engine, long_ago, long_ago + timedelta(days=3)) for _ in range(3)]
    waiting = proposal_case(engine, long_ago, None)  # open, however old
    recent = proposal_case(engine, NOW - timedelta(days=40), NOW - timedelta(days=10))  # closed, not long ago
    before = kept(engine)
    assert all(before[name] == {*old, waiting, recent} for name in before), before  # every table holds each case

    rows_of_one = forget_closed_cases(engine, KEPT, batch=1)
    assert rows_of_one == 9  # the item, two events, the assignment, note, file, mentor, guidance and crossing
    assert forget_closed_cases(engine, KEPT, batch=2) == 2 * rows_of_one
    assert forget_closed_cases(engine, KEPT, batch=2) == 0  # nothing more: the worker's step waits its interval
    assert all(rows == {waiting, recent} for rows in kept(engine).values())

    with engine.connect() as conn:  # the open case's and the recent one's records as they were
        assert len(case_store.history(conn, "proposals", recent)) == 2 and case_store.notes(conn, "proposals", waiting)
        assert case_store.item(conn, "proposals", waiting)["open"] is True


def test_the_retention_is_seven_years_unless_set_and_never_shorter_than_the_inbox_s():
    assert GatewaySettings.from_env({}).casework_retention == timedelta(days=2557)
    assert GatewaySettings.from_env({"CASEWORK_RETENTION_DAYS": "3653"}).casework_retention == timedelta(days=3653)
    env = {"CASEWORK_RETENTION_DAYS": "60", "MEEMAKEN_INBOX_RETENTION_DAYS": "60"}
    assert GatewaySettings.from_env(env).casework_retention.days == 60
    with pytest.raises(ConfigurationError, match="CASEWORK_RETENTION_DAYS is at least the inbox's retention, 30 days"):
        GatewaySettings.from_env({"CASEWORK_RETENTION_DAYS": "7"})
    with pytest.raises(ConfigurationError, match="CASEWORK_RETENTION_DAYS: Input should be a valid number"):
        GatewaySettings.from_env({"CASEWORK_RETENTION_DAYS": "seven years"})


def backdate(engine, case_id: str, when: datetime) -> None:
    """Every time of the case's rows set to ``when`` (notes, files and mentors are stamped when they are written)."""
    with engine.begin() as conn:
        for table in CASE_TABLES:
            times = {c.name: when for c in table.columns if isinstance(c.type, UtcDateTime)}
            conn.execute(table.update().where(table.c.case_id == case_id).values(**times))


def test_the_upgrade_deletes_the_rows_the_old_forgetting_left_without_their_work_item(database_url):
    migrate(SERVICE.migrations_dir, database_url, "0010")
    engine = make_engine(database_url)
    long_ago = NOW - timedelta(days=400)
    orphaned, closed = (proposal_case(engine, long_ago, long_ago + timedelta(days=3)) for _ in range(2))
    early = proposal_case(engine, NOW - timedelta(days=3), None)  # recent rows, its item not (yet) there
    backdate(engine, orphaned, long_ago + timedelta(days=3))
    backdate(engine, closed, long_ago + timedelta(days=3))
    w = tables.work_items
    with engine.begin() as conn:  # what the old forgetting did 30 days after a closed case's last event
        conn.execute(w.delete().where(w.c.case_id.in_([orphaned, early])))
    migrate(SERVICE.migrations_dir, database_url)
    left = kept(engine)
    engine.dispose()
    assert left.pop("work_items") == {closed}
    assert all(cases == {closed, early} for cases in left.values()), left
