"""The consumer loop's batch handling, with records made by hand (no broker needed)."""

import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from meemaken_events import ConsumerLoop, EventFactory, TransientError, messaging_tables
from meemaken_kit import make_engine

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


@pytest.fixture
def setup(tmp_path):
    metadata = sa.MetaData()
    _outbox, inbox, _lease = messaging_tables(metadata)
    effects = sa.Table("effects", metadata, sa.Column("proposal_id", sa.String(36), primary_key=True))
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    metadata.create_all(engine)
    return engine, inbox, effects


def record(offset, envelope=None, value=None):
    key, body, headers = envelope.to_kafka() if envelope else (b"k", value, [])
    return SimpleNamespace(topic="t", partition=0, offset=offset, key=key, value=body, headers=headers)


def admitted(proposal_id=None):
    proposal_id = proposal_id or str(uuid.uuid4())
    data = {"proposal_id": proposal_id, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    return EventFactory(SOURCE).create(ADMITTED, proposal_id, data)


def loop(engine, inbox, handler):
    return ConsumerLoop("test.consumer", ["t"], {ADMITTED: handler}, engine, inbox, "127.0.0.1:1")


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_the_same_event_twice_has_one_effect(setup):
    engine, inbox, effects = setup
    event = admitted()

    def handler(conn, env):
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))

    consumer = loop(engine, inbox, handler)
    assert consumer._handle([record(0, event), record(1, event)]) == []
    assert consumer._handle([record(2, event)]) == []
    assert count(engine, effects) == 1


def test_a_poison_event_is_set_aside_and_its_neighbours_are_handled(setup):
    engine, inbox, effects = setup
    bad = admitted()

    def handler(conn, env):
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))
        if env.id == bad.id:
            raise ValueError("cannot handle this one")

    consumer = loop(engine, inbox, handler)
    batch = [record(0, admitted()), record(1, bad), record(2, value=b"garbage"), record(3, admitted())]
    poison = consumer._handle(batch)
    assert [p.record.offset for p in poison] == [1, 2]
    assert "ValueError" in poison[0].error and "InvalidEvent" in poison[1].error
    assert count(engine, effects) == 2  # the poison's own write was rolled back with its savepoint


def test_a_transient_failure_rolls_back_the_whole_batch(setup):
    engine, inbox, effects = setup
    calls = []

    def handler(conn, env):
        calls.append(env.id)
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))
        if len(calls) == 2:
            raise TransientError("database restarting")

    consumer = loop(engine, inbox, handler)
    with pytest.raises(TransientError):
        consumer._handle([record(0, admitted()), record(1, admitted())])
    assert count(engine, effects) == 0
    assert count(engine, inbox) == 0


def test_offsets_to_commit_point_past_the_last_record_of_each_partition():
    records = [SimpleNamespace(topic="t", partition=p, offset=o) for p, o in [(0, 5), (0, 6), (1, 3)]]
    offsets = ConsumerLoop._next_offsets(records)
    assert {tp.partition: meta.offset for tp, meta in offsets.items()} == {0: 7, 1: 4}
