"""The consumer loop's batch handling, with records made by hand (no broker needed)."""

import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from psycopg import errors as pg

from meemaken_events import ConsumerLoop, EventFactory, TransientError, messaging_tables
from meemaken_events.dead_letters import DeadLetterLimit, Origin
from meemaken_events.metrics import DB_RETRIES
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

BROKERS = EventSettings(kafka_bootstrap_servers="127.0.0.1:1")  # never reached in these tests

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
    return ConsumerLoop("test.consumer", ["t"], {ADMITTED: handler}, engine, inbox, BROKERS)


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_the_same_event_twice_has_one_effect(setup):
    engine, inbox, effects = setup
    event = admitted()

    def handler(conn, env):
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))

    consumer = loop(engine, inbox, handler)
    assert consumer._handle([record(0, event), record(1, event)]).dead == []
    assert consumer._handle([record(2, event)]).dead == []
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
    poison = consumer._handle(batch).dead
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


class Polled:
    """A Kafka consumer that hands out one batch and records where it is rewound to."""

    def __init__(self, records):
        self.records, self.seeks = records, []

    def poll(self, timeout_ms, max_records):
        return {("t", 0): self.records}

    def seek(self, partition, offset):
        self.seeks.append((partition.partition, offset))


@pytest.mark.parametrize("with_poison", [False, True], ids=["batch", "one-by-one"])
def test_a_handler_error_raised_from_a_deadlock_is_redelivered_not_dead_lettered(setup, with_poison):
    engine, inbox, effects = setup

    def handler(conn, env):
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))
        try:
            raise sa.exc.OperationalError("UPDATE ...", {}, pg.DeadlockDetected("deadlock detected"))
        except sa.exc.OperationalError as exc:
            raise LookupError("the panel could not be saved") from exc  # a handler's own words for it

    consumer = loop(engine, inbox, handler)
    consumer._consumer = Polled([record(1, admitted()), *([record(2, value=b"garbage")] if with_poison else [])])
    dead_lettered = []
    consumer._dead_letter = dead_lettered.extend  # type: ignore[method-assign]
    before = DB_RETRIES.labels("deadlock")._value.get()
    assert consumer.run_once() == 0  # rolled back, waited its backoff
    assert consumer._consumer.seeks == [(0, 1)] and dead_lettered == []  # read again from the first record
    assert DB_RETRIES.labels("deadlock")._value.get() == before + 1
    assert count(engine, effects) == 0 and count(engine, inbox) == 0


def test_offsets_to_commit_point_past_the_last_record_of_each_partition():
    records = [SimpleNamespace(topic="t", partition=p, offset=o) for p, o in [(0, 5), (0, 6), (1, 3)]]
    offsets = ConsumerLoop._next_offsets(records)
    assert {tp.partition: meta.offset for tp, meta in offsets.items()} == {0: 7, 1: 4}


def keyed(offset, event, key):
    r = record(offset, event)
    r.key = key
    return r


def garbage(offset, key):
    r = record(offset, value=b"{not an event")
    r.key = key
    return r


def test_the_loop_parks_later_events_of_a_poisoned_key_and_handles_the_others(setup):
    engine, inbox, effects = setup
    bad = admitted()

    def handler(conn, env):
        if env.id == bad.id:
            raise ValueError("cannot handle this one")
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))

    consumer = loop(engine, inbox, handler)
    batch = [keyed(0, bad, b"a"), keyed(1, admitted(), b"b"), keyed(2, admitted(), b"a"), keyed(3, admitted(), b"a")]
    outcome = consumer._handle(batch)
    assert [(p.record.offset, p.behind) for p in outcome.dead] == [
        (0, None),
        (2, Origin("t", 0, 0)),
        (3, Origin("t", 0, 0)),
    ]
    assert outcome.untouched == [] and count(engine, effects) == 1
    outcome.triage.settle()
    later = consumer._handle([keyed(4, admitted(), b"a"), keyed(5, admitted(), b"c")])  # the next batch too
    assert [(p.record.offset, p.behind) for p in later.dead] == [(4, Origin("t", 0, 0))]
    assert count(engine, effects) == 2


def test_the_loop_stops_at_the_dead_letter_over_the_limit_and_leaves_it_and_the_rest_untouched(setup):
    engine, inbox, effects = setup

    def handler(conn, env):
        conn.execute(effects.insert().values(proposal_id=env.data["proposal_id"]))

    consumer = loop(engine, inbox, handler)
    consumer.dead_letter_limit = DeadLetterLimit(2, 60)
    batch = [garbage(0, b"p"), keyed(1, admitted(), b"ok"), garbage(2, b"q"), garbage(3, b"r")]
    batch += [keyed(4, admitted(), b"ok2")]
    outcome = consumer._handle(batch)
    assert [p.record.offset for p in outcome.dead] == [0, 2]
    assert [r.offset for r in outcome.untouched] == [3, 4]
    assert count(engine, effects) == 1  # the one before the halt is handled (and will be committed)
