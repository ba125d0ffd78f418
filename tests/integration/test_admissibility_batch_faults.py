"""The admissibility consumer's batch (proposals.integration.incoming.admissibility_checks) on the real broker and
PostgreSQL: a member dying after its polled batch's decisions (one UPDATE for the batch, after one copies query),
their outbox rows and its inbox rows are written and before the commit loses and doubles nothing; each proposal is
decided once, each decision's event staged once."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from helpers import start_after_earlier_tests
from proposals_kit import TEXT, TOPIC, open_process, relay_for

from meemaken_events import ConsumerLoop, Envelope
from meemaken_testkit.batch_faults import die_in_a_batch
from meemaken_testkit.draining import drain
from proposals.adapters import tables
from proposals.bootstrap import admissibility_consumer, unit_of_work_factory, unit_of_work_within
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER, admissibility_checks, admissibility_handlers
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
PROPOSALS = 30


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

    def dying_after_a_committed_batch(other: sa.Connection, connection: sa.Connection) -> tuple[int, int] | None:
        committed, staged = sum(decisions(other).values()), sum(decisions(connection).values())
        # a batch was committed before this one, and this one decided more (a batch holding only events' second
        # copies, all skipped by the inbox, decides nothing: it commits as it is)
        return (staged, decided_rows(connection)) if 0 < committed < staged else None

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
        batch_scope=checks.scope,
    )
    staged_before_crash, saved_before_crash = die_in_a_batch(doomed, engine, dying_after_a_committed_batch)
    with engine.connect() as conn:
        committed = sum(decisions(conn).values())
        saved = decided_rows(conn)
    assert 0 < committed < staged_before_crash  # the dying batch's decisions were written, then rolled back
    assert 0 < saved == committed < saved_before_crash  # and so were its proposals' new statuses

    def all_decided() -> bool:
        with engine.connect() as conn:
            return len(decisions(conn)) == PROPOSALS

    drain([admissibility_consumer(settings, engine, consumer_options=options)], all_decided)
    with engine.connect() as conn:
        decided = decisions(conn)
        inbox = conn.execute(sa.select(tables.inbox.c.event_id)).scalars().all()
        statuses = Counter(conn.execute(sa.select(tables.proposals.c.status)).scalars())
    assert set(decided.values()) == {1}
    assert len(inbox) == len(set(inbox)) == PROPOSALS
    assert statuses == {"admitted": PROPOSALS - PROPOSALS // 3, "rejected": PROPOSALS // 3}
