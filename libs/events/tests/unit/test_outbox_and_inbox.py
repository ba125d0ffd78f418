import uuid

import pytest
import sqlalchemy as sa

from meemaken_events import EventFactory, Inbox, Outbox, messaging_tables
from meemaken_kit import UnitOfWork, make_engine

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


class Thing:
    def __init__(self) -> None:
        self.events: list[str] = []


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
    engine, outbox, _inbox, things = db
    thing = Thing()
    thing.events.append("admitted")
    with UnitOfWork(engine, Outbox(outbox), publish(str(uuid.uuid4()))) as uow:
        uow.connection.execute(things.insert().values(id=1))
        uow.track(thing)
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
        uow.connection.execute(things.insert().values(id=1))
        uow.track(thing)
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
