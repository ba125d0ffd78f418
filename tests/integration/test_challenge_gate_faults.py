"""The challenges gate consumer's batched check on the real broker and PostgreSQL: a crash between the batch's
writes and its commit loses and doubles nothing.

The consumer checks a polled batch's challenges together at the batch's end (`gate_checks`): one read,
one save, the timers and the outbox in a few statements, in the batch's transaction with its inbox rows. It dies
after those writes and before the commit: they vanish with the transaction, the offsets were not committed, and
the next member of the group checks the batch again: each challenge gated once, each of its events once, and
each within its `submitted` event's correlation (the events a check causes carry that correlation id).
"""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import ROOT, start_after_earlier_tests

from challenges.adapters import tables
from challenges.adapters.repository import Task
from challenges.bootstrap import SERVICE, gate_consumer, unit_of_work_factory
from challenges.domain.challenge import Group
from challenges.domain.gates import Window
from challenges.integration.incoming import GATES_CONSUMER
from challenges.integration.outgoing import TOPIC
from challenges.service_layer import handlers
from meemaken_events import Envelope, Relay, correlated
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.batch_faults import die_in_a_batch
from meemaken_testkit.draining import drain
from meemaken_testkit.plugin import session_env
from meemaken_testkit.tokens import RESIDENT_ATTRS

sys.path.insert(0, str(ROOT / "services" / "challenges" / "tests"))
from challenge_builders import COMPLETE

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

CHALLENGES = 24
GATE_STEPS = ("acknowledged", "admissibility_check_started", "gates_checked")  # every challenge's, once


@pytest.fixture
def service(database_url, kafka_bootstrap):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    env = session_env() | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    yield Settings.from_env("challenges", env), engine
    engine.dispose()


def submit(settings, engine, count):
    """`count` submitted challenges, on tasks of their own but for the last two, which share one."""
    uow = unit_of_work_factory(settings, engine)
    official = handlers.Actor(uuid.uuid4(), frozenset({"case_officer"}))
    now = datetime.now(UTC)
    window = Window(now - timedelta(days=1), now + timedelta(days=30))
    tasks = [uuid.uuid4() for _ in range(count - 1)]
    for i, task_id in enumerate(tasks):
        task = Task(task_id, f"Task {i}", "A task.", "culture", 1, 1, "flanders", None, True, None, (), 1, (window,))
        handlers.add_task(uow(), official, task)
    for i, task_id in enumerate([*tasks, tasks[-1]]):
        resident = handlers.Actor(uuid.uuid4(), frozenset({"group_representative"}), attributes=RESIDENT_ATTRS)
        group = Group("Group", "vzw", resident.id, (), 12)  # type: ignore[arg-type]
        challenge = handlers.start_challenge(uow(), resident, task_id, group, COMPLETE, now)
        with correlated(f"submit-{i}"):  # as the API's request sets it: the gate check's events carry it on
            handlers.act(uow(), resident, challenge.id, "group_representative", lambda c, at: c.submit(at))


def gates(settings, engine, group):
    """The worker's gate consumer, in a group of the test's own, 5 records a poll."""
    return gate_consumer(settings, engine, max_records=5, consumer_options={"group_id": group})


def gated(connection) -> int:
    query = sa.select(sa.func.count()).where(tables.challenges.c.status != "submitted")
    return int(connection.execute(query).scalar_one())


def test_a_gate_consumer_dying_between_its_batch_writes_and_the_commit_loses_and_doubles_nothing(service):
    settings, engine = service
    submit(settings, engine, CHALLENGES)
    group = f"test-gates-{uuid.uuid4().hex[:8]}"
    start_after_earlier_tests(settings.kafka_bootstrap_servers, group, TOPIC)
    relay = Relay.for_service("challenges", engine, tables.outbox, tables.relay_lease, settings)
    try:
        while relay.publish_once():
            pass
    finally:
        relay.close()

    def dying_after_a_committed_batch(other: sa.Connection, connection: sa.Connection) -> int | None:
        return gated(connection) if gated(other) > 0 else None  # a batch was committed before this one

    written_before_crash = die_in_a_batch(gates(settings, engine, group), engine, dying_after_a_committed_batch)
    with engine.connect() as conn:
        committed = gated(conn)
    assert 0 < committed < written_before_crash  # the dying batch's checks were written, then rolled back

    def all_gated() -> bool:
        with engine.connect() as conn:
            return gated(conn) == CHALLENGES

    drain([gates(settings, engine, group)], all_gated)

    with engine.connect() as conn:
        statuses = Counter(conn.execute(sa.select(tables.challenges.c.status)).scalars())
        envelopes = [Envelope.from_json(e) for e in conn.execute(sa.select(tables.outbox.c.envelope)).scalars()]
        handled = conn.execute(sa.select(tables.inbox.c.event_id).where(tables.inbox.c.consumer == GATES_CONSUMER))
        handled_ids = Counter(handled.scalars())
        live = conn.execute(
            sa.select(tables.timers.c.challenge_id, tables.timers.c.kind).where(tables.timers.c.cancelled_at.is_(None))
        ).all()
    # the two on one task: the first checked is refused (the other was open), the other then passes
    assert statuses == {"in_assessment": CHALLENGES - 1, "rejected": 1}
    submitted = {e.id for e in envelopes if e.type.endswith(".submitted.v1")}
    assert set(handled_ids) == submitted and set(handled_ids.values()) == {1}
    steps = Counter((e.key, e.type.rsplit(".", 2)[-2]) for e in envelopes)
    for step in GATE_STEPS:
        assert sorted(n for (_, kind), n in steps.items() if kind == step) == [1] * CHALLENGES, step
    assert sum(1 for (_, kind) in steps if kind == "assessment_opened") == CHALLENGES - 1
    submitted_in = {e.key: e.correlation_id for e in envelopes if e.type.endswith(".submitted.v1")}
    assert len(set(submitted_in.values())) == CHALLENGES  # each challenge's check within its own event's
    outcomes = (*GATE_STEPS, "assessment_opened", "admission_refused")
    checked = [e for e in envelopes if e.type.rsplit(".", 2)[-2] in outcomes]
    assert len(checked) == 4 * CHALLENGES and all(e.correlation_id == submitted_in[e.key] for e in checked)
    assert len(live) == len(set(live))  # no timer twice
