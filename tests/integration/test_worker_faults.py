"""Faults of the worker and the database: killed mid-batch or restarted, nothing lost or doubled."""

from __future__ import annotations

import signal
import subprocess
import threading
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from helpers import ROOT, service_process, wait_for
from proposals_kit import TEXT, admissibility_loop, open_process, relay_for

from meemaken_events import Envelope
from meemaken_kit import migrate
from proposals.adapters import tables
from proposals.bootstrap import SERVICE, unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def submit_many(settings, engine, count):
    uow = unit_of_work_factory(settings, engine)
    process = open_process(uow)
    for i in range(count):
        title = f"Proposal {i:05d} for a greener street"
        handlers.submit_proposal(handlers.SubmitProposal(process, uuid.uuid4(), title, TEXT), uow())


def decision_counts(engine) -> Counter[str]:
    with engine.connect() as conn:
        envelopes = [Envelope.from_json(t) for t in conn.execute(sa.select(tables.outbox.c.envelope)).scalars()]
    decisions = [e for e in envelopes if ".proposal." in e.type and not e.type.endswith("submitted.v1")]
    return Counter(e.data["proposal_id"] for e in decisions)


def undecided(engine) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(tables.proposals.c.status == "submitted")
        return int(conn.execute(query).scalar_one())


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(service, tmp_path):
    settings, engine, env = service
    total = 1500
    submit_many(settings, engine, total)
    log = tmp_path / "worker.log"
    worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
    try:
        wait_for(lambda: total - undecided(engine) >= 50, timeout=90, interval=0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert undecided(engine) > 0, "the worker finished before it could be killed; raise `total`"
        worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
        wait_for(lambda: undecided(engine) == 0, timeout=120, interval=0.2)
        with engine.connect() as conn:
            outbox_pending = sa.select(sa.func.count()).where(tables.outbox.c.published_at.is_(None))
            wait_for(lambda: conn.execute(outbox_pending).scalar_one() == 0 or conn.rollback(), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0, (ROOT, log.read_text()[-2000:])
    decisions = decision_counts(engine)
    assert len(decisions) == total
    assert set(decisions.values()) == {1}


def test_a_database_restart_pauses_the_consumer_without_losing_or_doubling(service, postgres):
    if postgres is None:
        pytest.skip("needs the local PostgreSQL cluster to restart it")
    settings, engine, _env = service
    total = 400
    submit_many(settings, engine, total)
    relay = relay_for(settings, engine)
    while relay.publish_once():
        pass
    relay.producer.close()
    loop = admissibility_loop(settings, engine)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: _safe_undecided(engine) < total, timeout=60, interval=0.02)
        postgres.restart()
        wait_for(lambda: _safe_undecided(engine) == 0, timeout=120, interval=0.2)
    finally:
        loop.stop()
        thread.join(timeout=30)
    decisions = decision_counts(engine)
    assert len(decisions) == total and set(decisions.values()) == {1}


def _safe_undecided(engine) -> int:
    try:
        return undecided(engine)
    except sa.exc.OperationalError:
        return -1


def test_a_worker_started_while_the_broker_is_down_waits_and_stops_cleanly(database_url, tmp_path):
    migrate(SERVICE.migrations_dir, database_url)
    env = {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}  # nothing listens there
    log = tmp_path / "worker.log"
    worker = service_process("proposals", ["-m", "proposals", "worker"], env, log)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=4)  # still running: it waits for the broker instead of dying
    finally:
        worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, log.read_text()[-2000:]
