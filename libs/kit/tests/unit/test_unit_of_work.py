"""The unit of work publishes the events of every aggregate its repositories loaded or added: no use case
calls anything to have them published, and an aggregate seen twice is published once."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from meemaken_events import Envelope, EventFactory, Outbox, messaging_tables
from meemaken_kit import TrackingRepository, UnitOfWork, make_engine
from meemaken_kit.uow import Seen

ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"
metadata = sa.MetaData()
outbox, _inbox, _lease = messaging_tables(metadata)
things = sa.Table("things", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.String))


@dataclass
class Thing:
    id: uuid.UUID
    name: str
    events: list[str] = field(default_factory=list, compare=False)

    def rename(self, name: str) -> None:
        self.name = name
        self.events.append(f"renamed to {name}")


class Things(TrackingRepository):
    """Its `get` hands out the copy it read before, if any (as a cache or identity map would)."""

    def __init__(self, connection: sa.Connection, seen: Seen) -> None:
        super().__init__(connection, seen)
        self.read: dict[uuid.UUID, Thing] = {}

    def add(self, thing: Thing) -> None:
        self.connection.execute(things.insert().values(id=thing.id, name=thing.name))
        self._saw(thing)

    def get(self, thing_id: uuid.UUID) -> Thing | None:
        if thing_id not in self.read:
            row = self.connection.execute(sa.select(things).where(things.c.id == thing_id)).first()
            if row is None:
                return None
            self.read[thing_id] = Thing(row.id, row.name)
        return self._saw(self.read[thing_id])

    def list(self) -> list[Thing]:
        return self._saw_all(Thing(row.id, row.name) for row in self.connection.execute(sa.select(things)))


def publish(event: str) -> Envelope:
    data = {"proposal_id": str(uuid.uuid4()), "process_id": "p", "author_id": str(uuid.uuid4()), "title": event}
    return EventFactory("urn:meemaken:municipality:demo:system:test").create(ADMITTED, data["proposal_id"], data)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'uow.sqlite'}")
    metadata.create_all(engine)
    return engine


def unit(engine: sa.Engine) -> UnitOfWork:
    return UnitOfWork(engine, Outbox(outbox), publish)


def published(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(json.loads(row.envelope)["data"]["title"] for row in conn.execute(sa.select(outbox)))


def stored(engine: sa.Engine, name: str) -> uuid.UUID:
    thing = Thing(uuid.uuid4(), name)
    with unit(engine) as uow:
        uow.repository(Things).add(thing)
        uow.commit()
    return thing.id


def test_an_added_aggregate_publishes_its_events_without_a_track_call(engine):
    thing = Thing(uuid.uuid4(), "bench")
    thing.events.append("placed")
    with unit(engine) as uow:
        uow.repository(Things).add(thing)
        uow.commit()
    assert published(engine) == ["placed"]
    assert thing.events == []


def test_an_aggregate_loaded_and_changed_publishes_its_events_without_a_track_call(engine):
    thing_id = stored(engine, "bench")
    with unit(engine) as uow:
        thing = uow.repository(Things).get(thing_id)
        assert thing is not None
        thing.rename("green bench")
        uow.commit()
    assert published(engine) == ["renamed to green bench"]


def test_one_aggregate_loaded_twice_publishes_its_events_once(engine):
    thing_id = stored(engine, "bench")
    with unit(engine) as uow:
        repository = uow.repository(Things)
        first, again = repository.get(thing_id), repository.get(thing_id)
        assert first is again and first is not None
        first.rename("green bench")
        assert len(uow.seen) == 1
        uow.commit()
    assert published(engine) == ["renamed to green bench"]


def test_two_equal_copies_are_two_aggregates_each_published(engine):
    """Tracked by identity, not equality: two loads of one row are two objects, and each change counts."""
    thing_id = stored(engine, "bench")
    with unit(engine) as uow:
        [listed] = uow.repository(Things).list()
        got = uow.repository(Things).get(thing_id)
        assert listed == got and listed is not got
        listed.rename("green bench")
        assert got is not None
        got.rename("red bench")
        uow.commit()
    assert published(engine) == ["renamed to green bench", "renamed to red bench"]


def test_a_unit_of_work_used_again_forgets_what_it_saw_before(engine):
    thing_id = stored(engine, "bench")
    uow = unit(engine)
    with uow:
        uow.repository(Things).get(thing_id)
        assert len(uow.seen) == 1
    with uow:
        assert uow.seen == ()


def test_one_statement_on_sqlite_is_a_transaction_as_usual_and_refuses_events(engine):
    """Autocommit is PostgreSQL's alone: here the statement waits for commit(), and events are refused."""
    uow = unit(engine)
    with uow.one_statement():
        uow.repository(Things).add(Thing(uuid.uuid4(), "left"))
    thing = Thing(uuid.uuid4(), "bench")
    thing.events.append("placed")
    with pytest.raises(RuntimeError, match="publishes no events"), uow.one_statement():
        uow.repository(Things).add(thing)
        uow.commit()
    with uow:  # a plain unit of work again: events published
        uow.repository(Things).add(thing)
        uow.commit()
    with engine.connect() as conn:
        assert list(conn.execute(sa.select(things.c.name)).scalars()) == ["bench"]
    assert published(engine) == ["placed"]
