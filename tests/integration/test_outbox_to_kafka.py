"""Outbox → relay → Kafka → consumer → inbox, on the real broker and a real PostgreSQL database."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from helpers import headers_of, produce, read_topic, wait_for
from proposals_kit import TEXT, TOPIC, admissibility_loop, open_process, relay_for, resident

from meemaken_events import Envelope, Outbox, dead_letter_topic
from proposals.adapters import tables
from proposals.bootstrap import create_app, unit_of_work_factory
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def submit(settings, engine, title="Safer school streets"):
    uow = unit_of_work_factory(settings, engine)
    command = handlers.SubmitProposal(open_process(uow), uuid.uuid4(), title, TEXT)
    return handlers.submit_proposal(command, uow())


def ids_on_topic(bootstrap, keys, expected):
    records = read_topic(bootstrap, TOPIC, lambda rs: len([r for r in rs if r.key in keys]) >= expected, 30)
    return [headers_of(r)["ce_id"].decode() for r in records if r.key in keys]


def pending(engine):
    with engine.connect() as conn:
        return Outbox(tables.outbox).pending_count(conn)


def test_a_failed_transaction_publishes_nothing_and_a_committed_one_is_published_once(service, kafka_bootstrap):
    settings, engine, _env = service
    committed = submit(settings, engine)
    failed_id = uuid.uuid4()
    with pytest.raises(RuntimeError), unit_of_work_factory(settings, engine)() as uow:
        uow.connection.execute(
            tables.outbox.insert().values(
                event_id=str(uuid.uuid4()),
                topic=TOPIC,
                key=str(failed_id),
                type="x",
                envelope="{}",
                created_at=sa.func.now(),
            )
        )
        raise RuntimeError("the use case failed after writing")
    relay = relay_for(settings, engine)
    assert relay.publish_once() == 2  # the process defined, the proposal submitted; not the failed one
    assert pending(engine) == 0
    keys = {str(committed.id).encode(), str(failed_id).encode()}
    seen = ids_on_topic(kafka_bootstrap, keys, 1)
    assert len(seen) == 1
    relay.producer.close()


def test_wire_duplicates_have_one_effect_downstream(service, kafka_bootstrap):
    settings, engine, _env = service
    proposal = submit(settings, engine)
    relay = relay_for(settings, engine)
    relay.publish_once()
    with engine.begin() as conn:  # as if the relay died between the broker's ack and marking the row
        conn.execute(tables.outbox.update().values(published_at=None))
    relay.publish_once()
    relay.producer.close()
    key = str(proposal.id).encode()
    assert len(ids_on_topic(kafka_bootstrap, {key}, 2)) == 2  # the same event twice on the wire

    loop = admissibility_loop(settings, engine)
    wait_for(lambda: loop.run_once(500) >= 0 and _decisions(engine) == 1, timeout=30)
    for _ in range(5):
        loop.run_once(200)
    loop.close()
    assert _decisions(engine) == 1  # one admissibility decision, one `admitted` event in the outbox
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.inbox)).scalar_one() == 1


def test_writes_are_accepted_while_the_broker_is_down_and_all_arrive_after(service, kafka, kafka_bootstrap):
    settings, engine, _env = service
    client = create_app(settings, engine).test_client()
    relay = relay_for(settings, engine)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    kafka.stop()
    try:
        bodies = [{"process_id": "p", "title": f"Proposal number {i}", "text": TEXT} for i in range(20)]
        created = [client.post("/api/v1/proposals", json=body, headers=resident()) for body in bodies]
        assert [r.status_code for r in created] == [201] * 20
        assert pending(engine) == 20
    finally:
        kafka.start()
    wait_for(lambda: pending(engine) == 0, timeout=90, interval=0.5)
    relay.stop()
    thread.join(timeout=30)
    keys = {r.get_json()["id"].encode() for r in created}
    assert len(set(ids_on_topic(kafka_bootstrap, keys, 20))) == 20


def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_next_one_is_handled(service, kafka_bootstrap):
    settings, engine, _env = service
    poison_key = f"poison-{uuid.uuid4()}".encode()
    produce(kafka_bootstrap, TOPIC, poison_key, b"{not an event", [("ce_type", b"garbage")])
    proposal = submit(settings, engine)
    relay = relay_for(settings, engine)
    relay.publish_once()
    relay.producer.close()

    loop = admissibility_loop(settings, engine)
    wait_for(lambda: loop.run_once(500) >= 0 and _decisions(engine) == 1, timeout=30)
    loop.close()

    dlq = read_topic(
        kafka_bootstrap, dead_letter_topic(ADMISSIBILITY_CONSUMER), lambda rs: any(r.key == poison_key for r in rs)
    )
    [dead] = [r for r in dlq if r.key == poison_key]
    origin = headers_of(dead)
    assert dead.value == b"{not an event"
    assert origin["dlq_original_topic"] == TOPIC.encode()
    [poison] = [
        r
        for r in read_topic(kafka_bootstrap, TOPIC, lambda rs: any(r.key == poison_key for r in rs))
        if r.key == poison_key
    ]
    assert (int(origin["dlq_original_partition"]), int(origin["dlq_original_offset"])) == (
        poison.partition,
        poison.offset,
    )
    assert b"InvalidEvent" in origin["dlq_error"]
    assert origin["dlq_consumer"] == ADMISSIBILITY_CONSUMER.encode()
    with engine.connect() as conn:
        status = conn.execute(sa.select(tables.proposals.c.status).where(tables.proposals.c.id == proposal.id))
        assert status.scalar_one() == "admitted"


def _decisions(engine) -> int:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tables.outbox.c.envelope)).scalars()
        return sum(1 for text in rows if Envelope.from_json(text).type.endswith(("admitted.v1", "rejected.v1")))
