import uuid

import pytest
import sqlalchemy as sa

from meemaken_events import EventFactory, Inbox, Outbox, messaging_tables
from meemaken_kit import TrackingRepository, UnitOfWork, make_engine

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


class Thing:
    def __init__(self) -> None:
        self.events: list[str] = []


class Things(TrackingRepository):
    def add(self, thing: Thing) -> None:
        self.connection.execute(sa.text("INSERT INTO things (id) VALUES (1)"))
        self._saw(thing)


@pytest.fixture
def db(tmp_path):
    metadata = sa.MetaData()
    outbox, inbox, _lease = messaging_tables(metadata)
    things = sa.Table("things", metadata, sa.Column("id", sa.Integer, primary_key=True))
    engine = make_engine(f"sqlite:///{tmp_path / 'test.sqlite'}")
    metadata.create_all(engine)
    return engine, outbox, inbox, things


def publish(proposal_id: str):
    factory = EventFactory(SOURCE)
    data = {"proposal_id": proposal_id, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    return lambda _event: factory.create(ADMITTED, proposal_id, data)


def test_a_committed_change_stages_its_event_in_the_same_transaction(db):
    engine, outbox, _inbox, _things = db
    thing = Thing()
    thing.events.append("admitted")
    with UnitOfWork(engine, Outbox(outbox), publish(str(uuid.uuid4()))) as uow:
        uow.repository(Things).add(thing)
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 1
        assert Outbox(outbox).pending_count(conn) == 1
    assert thing.events == []


def test_a_failed_transaction_stages_no_event(db):
    engine, outbox, _inbox, things = db
    thing = Thing()
    thing.events.append("admitted")
    with pytest.raises(RuntimeError), UnitOfWork(engine, Outbox(outbox), publish(str(uuid.uuid4()))) as uow:
        uow.repository(Things).add(thing)
        raise RuntimeError("the use case failed before commit")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(things)).scalar_one() == 0


def test_the_inbox_admits_each_event_once_per_consumer(db):
    engine, _outbox, inbox, _things = db
    event = publish(str(uuid.uuid4()))(None)
    with engine.begin() as conn:
        assert Inbox(inbox, "a").first_delivery(conn, event)
        assert not Inbox(inbox, "a").first_delivery(conn, event)
        assert Inbox(inbox, "b").first_delivery(conn, event)


def test_the_inbox_forgets_only_its_own_rows_older_than_the_retention(db):
    """Retention: rows of handled events older than it go; newer rows, and other consumers' rows, stay,
    so an event still inside the replay window is still recognised as handled."""
    from datetime import UTC, datetime, timedelta

    engine, _outbox, inbox_table, _things = db
    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        ("mine", "old", now - timedelta(days=31)),
        ("mine", "recent", now - timedelta(days=29)),
        ("theirs", "old", now - timedelta(days=40)),
    ]
    with engine.begin() as conn:
        for consumer, event_id, handled_at in rows:
            conn.execute(
                inbox_table.insert().values(
                    consumer=consumer, source=SOURCE, event_id=event_id, type=ADMITTED, handled_at=handled_at
                )
            )
    with engine.begin() as conn:
        assert Inbox(inbox_table, "mine").prune(conn, timedelta(days=30), now=now) == 1
    with engine.connect() as conn:
        left = {(r.consumer, r.event_id) for r in conn.execute(sa.select(inbox_table))}
    assert left == {("mine", "recent"), ("theirs", "old")}
