"""The relay woken by PostgreSQL's NOTIFY at an outbox row's commit (meemaken_events.wakeup), on the real broker and
database: the notification is only a hint. What no notification announced (a row written without one, one lost
with the listening connection) is still published by the safety poll, each event once; a rolled-back
transaction's notification publishes nothing."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from helpers import headers_of, read_topic, wait_for
from proposals_kit import TEXT, TOPIC, relay_for, resident

from meemaken_events import EventFactory, Outbox
from meemaken_events.wakeup import CHANNEL, Wakeup
from proposals.adapters import tables
from proposals.bootstrap import create_app

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


def pending(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return Outbox(tables.outbox).pending_count(conn)


def listening_backends(engine: sa.Engine) -> list[int]:
    query = sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = :listen")
    with engine.connect() as conn:
        return list(conn.execute(query, {"listen": f"LISTEN {CHANNEL}"}).scalars())


def unannounced(engine: sa.Engine) -> bytes:
    """An outbox row committed without a notification (as by a writer that bypassed Outbox.add); its key."""
    proposal = str(uuid.uuid4())
    data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    envelope = EventFactory(SOURCE).create(ADMITTED, proposal, data)
    row = {"event_id": envelope.id, "topic": TOPIC, "key": proposal, "type": ADMITTED}
    with engine.begin() as conn:
        conn.execute(tables.outbox.insert().values(**row, envelope=envelope.to_json(), created_at=datetime.now(UTC)))
    return proposal.encode()


def test_what_no_notification_announced_is_published_by_the_safety_poll_once(service, kafka_bootstrap):
    settings, engine, _env = service
    client = create_app(settings, engine).test_client()
    relay = relay_for(settings, engine)
    assert relay.wakeup is not None
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    keys: list[bytes] = []

    def submit(n: int) -> None:
        body = {"process_id": "p", "title": f"Proposal number {n}", "text": TEXT}
        answer = client.post("/api/v1/proposals", json=body, headers=resident())
        assert answer.status_code == 201
        keys.append(answer.get_json()["id"].encode())

    try:
        submit(1)  # woken by its commit
        wait_for(lambda: pending(engine) == 0 and listening_backends(engine), timeout=60, interval=0.2)

        keys.append(unannounced(engine))  # no notification at all
        wait_for(lambda: pending(engine) == 0, timeout=60, interval=0.2)

        with engine.begin() as conn:  # the listening connection lost: its notifications with it
            for pid in listening_backends(engine):
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for n in range(2, 7):
            submit(n)
        keys.append(unannounced(engine))
        wait_for(lambda: pending(engine) == 0, timeout=60, interval=0.2)

        with pytest.raises(RuntimeError), engine.begin() as conn:  # notified, then rolled back
            proposal = str(uuid.uuid4())
            data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
            Outbox(tables.outbox).add(conn, [EventFactory(SOURCE).create(ADMITTED, proposal, data)])
            raise RuntimeError("the use case failed after staging its event")
        submit(7)
        wait_for(lambda: pending(engine) == 0 and listening_backends(engine), timeout=60, interval=0.2)
    finally:
        relay.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    with engine.connect() as conn:
        staged = conn.execute(sa.select(sa.func.count()).select_from(tables.outbox)).scalar_one()
    assert staged == len(keys) == 9  # 7 submissions, 2 rows without a notification; not the rolled-back one
    mine = set(keys)
    records = read_topic(kafka_bootstrap, TOPIC, lambda rs: len([r for r in rs if r.key in mine]) >= len(keys), 30)
    seen = [headers_of(r)["ce_id"] for r in records if r.key in mine]
    assert len(seen) == len(keys) == len(set(seen))  # every one published, none twice


def test_a_commit_that_staged_events_wakes_the_listener_and_a_rollback_does_not(service):
    _settings, engine, _env = service
    wakeup, stop = Wakeup(engine), threading.Event()
    proposal = str(uuid.uuid4())
    data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    try:
        assert not wakeup.wait(0.1, stop)  # listening from now on; nothing came
        with pytest.raises(RuntimeError), engine.begin() as conn:
            Outbox(tables.outbox).add(conn, [EventFactory(SOURCE).create(ADMITTED, proposal, data)])
            raise RuntimeError("rolled back")
        assert not wakeup.wait(0.5, stop)
        with engine.begin() as conn:
            Outbox(tables.outbox).add(conn, [EventFactory(SOURCE).create(ADMITTED, proposal, data)])
        assert wakeup.wait(60, stop)
    finally:
        wakeup.close()
