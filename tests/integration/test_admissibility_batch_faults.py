"""The admissibility consumer's batch (proposals.integration.incoming.admissibility_checks) on the real broker and
PostgreSQL: a member dying after its polled batch's decisions (one UPDATE for the batch, after one copies query),
their outbox rows and its inbox rows are written and before the commit loses and doubles nothing; each proposal is
decided once, each decision's event staged once."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from helpers import start_after_earlier_tests, wait_for
from proposals_kit import TEXT, TOPIC, open_process, relay_for

from meemaken_events import ConsumerLoop, Envelope
from proposals.adapters import tables
from proposals.bootstrap import admissibility_consumer, unit_of_work_factory, unit_of_work_within
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER, admissibility_checks, admissibility_handlers
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
PROPOSALS = 30


class Crash(BaseException):
    """The process dies here: no handler, rollback hook or loop catches it."""


def decisions(connection: sa.Connection) -> Counter[str]:
    """proposal id -> how many admitted / rejected events its outbox holds."""
    staged = connection.execute(sa.select(tables.outbox.c.envelope).where(~tables.outbox.c.type.like("%submitted%")))
    found = [Envelope.from_json(text) for text in staged.scalars()]
    return Counter(e.data["proposal_id"] for e in found if ".proposal." in e.type)


def decided_rows(connection: sa.Connection) -> int:
    return connection.scalar(
        sa.select(sa.func.count()).where(tables.proposals.c.status != "submitted").select_from(tables.proposals)
    )


def test_a_consumer_dying_between_its_batch_writes_and_the_commit_decides_each_proposal_once(service):
    settings, engine, env = service
    group = f"test-{uuid.uuid4().hex[:8]}"
    start_after_earlier_tests(env["KAFKA_BOOTSTRAP_SERVERS"], group, TOPIC)
    uow = unit_of_work_factory(settings, engine)
    process = open_process(uow)
    for i in range(PROPOSALS):  # every third one a copy of the title before it: rejected, whatever the batches
        title = f"Proposal {i - i % 3 if i % 3 == 2 else i:03d} for a greener street"
        handlers.submit_proposal(handlers.SubmitProposal(process, uuid.uuid4(), title, f"{TEXT} ({i})"), uow())
    relay = relay_for(settings, engine)
    while relay.publish_once():
        pass
    with engine.begin() as conn:  # as if the relay died before marking: every event on the wire twice
        conn.execute(tables.outbox.update().values(published_at=None))
    while relay.publish_once():
        pass
    relay.producer.close()
    checks = admissibility_checks(unit_of_work_within(settings))
    staged_before_crash: list[int] = []
    saved_before_crash: list[int] = []

    @contextmanager
    def dying_on_the_second_batch(connection: sa.Connection) -> Iterator[None]:
        with checks.scope(connection):
            yield
        with engine.connect() as other:
            committed = sum(decisions(other).values())
        staged = sum(decisions(connection).values())
        # a batch was committed before this one, and this one decided more (a batch holding only events' second
        # copies, all skipped by the inbox, decides nothing: it commits as it is)
        if 0 < committed < staged:
            staged_before_crash.append(staged)
            saved_before_crash.append(decided_rows(connection))
            raise Crash

    options = {"group_id": group}
    doomed = ConsumerLoop(
        ADMISSIBILITY_CONSUMER,
        [TOPIC],
        admissibility_handlers(checks),
        engine,
        tables.inbox,
        settings,
        max_records=7,
        consumer_options=options,
        batch_scope=dying_on_the_second_batch,
    )
    with pytest.raises(Crash):
        while True:
            doomed.run_once(timeout_ms=500)
    doomed.close()  # leaves the group at once (a killed process is let go after its session timeout)
    with engine.connect() as conn:
        committed = sum(decisions(conn).values())
        saved = decided_rows(conn)
    assert 0 < committed < staged_before_crash[0]  # the dying batch's decisions were written, then rolled back
    assert 0 < saved == committed < saved_before_crash[0]  # and so were its proposals' new statuses

    healthy = admissibility_consumer(settings, engine, consumer_options=options)
    try:

        def all_decided() -> bool:
            healthy.run_once(timeout_ms=500)
            with engine.connect() as conn:
                return len(decisions(conn)) == PROPOSALS

        wait_for(all_decided, timeout=90)
        for _ in range(3):  # the copies still on the topic come and are skipped
            healthy.run_once(timeout_ms=500)
    finally:
        healthy.close()
    with engine.connect() as conn:
        decided = decisions(conn)
        inbox = conn.execute(sa.select(tables.inbox.c.event_id)).scalars().all()
        statuses = Counter(conn.execute(sa.select(tables.proposals.c.status)).scalars())
    assert set(decided.values()) == {1}
    assert len(inbox) == len(set(inbox)) == PROPOSALS
    assert statuses == {"admitted": PROPOSALS - PROPOSALS // 3, "rejected": PROPOSALS // 3}
