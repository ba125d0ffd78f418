"""The worker's /metrics as Prometheus scrapes it, from a worker process on PostgreSQL and Kafka: the outbox
backlog and the relay's lag while the broker is away and after it is back, the timers due and the deadlines
breached; the panels' answer term (kept in the panel's JSON document) counted on PostgreSQL, and every
service's timer queries run on its migrated PostgreSQL database."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import service_process, wait_for
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from proposals_kit import TEXT, open_process

from challenges.bootstrap import SERVICE as CHALLENGES
from meemaken_kit import make_engine, migrate
from meemaken_kit.metrics import DatabaseState
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database, drop_database
from panels.adapters.tables import panels
from panels.bootstrap import SERVICE as PANELS
from proposals.adapters import tables
from proposals.bootstrap import SERVICE as PROPOSALS
from proposals.bootstrap import unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(port: int, name: str, **labels: str) -> float | None:
    try:
        return scrape(port).get((name, tuple(sorted(labels.items()))))
    except OSError:
        return None  # not listening yet


def worker(env: dict[str, str], port: int, log):  # type: ignore[no-untyped-def]
    env = env | {"PROPOSALS_WORKER_METRICS_BIND": f"127.0.0.1:{port}", "PROPOSALS_SCHEDULE_INTERVAL": "3600"}
    return service_process("proposals", ["-m", "proposals", "worker", "--only", "relay"], env, log)


def test_a_stuck_relay_and_a_late_answer_show_on_the_workers_metrics(service, tmp_path):
    settings, engine, env = service
    uow = unit_of_work_factory(settings, engine)
    process = open_process(uow)
    submitted = [
        handlers.submit_proposal(handlers.SubmitProposal(process, uuid.uuid4(), f"Proposal {n}", TEXT), uow())
        for n in range(3)
    ]
    with engine.begin() as conn:  # one of them admitted a month ago, its answer term passed unnoticed
        late = {"status": "admitted", "answer_due_at": datetime.now(UTC) - timedelta(days=1)}
        conn.execute(tables.proposals.update().where(tables.proposals.c.id == submitted[0].id).values(**late))
        waiting = conn.execute(sa.select(sa.func.count()).where(tables.outbox.c.published_at.is_(None))).scalar_one()
    assert waiting >= 3

    away, port = env | {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"}, free_port()
    stuck = worker(away, port, tmp_path / "worker-broker-away.log")
    try:
        assert wait_for(lambda: sample(port, "meemaken_outbox_backlog"), timeout=60) == waiting
        assert sample(port, "meemaken_relay_lag_seconds") > 0
        assert sample(port, "meemaken_timers_due", timer="answer") == 1
        assert sample(port, "meemaken_deadlines_breached", timer="answer") == 0
    finally:
        stuck.terminate()
        stuck.wait(timeout=30)

    port = free_port()
    relaying = worker(env, port, tmp_path / "worker.log")
    try:
        wait_for(lambda: sample(port, "meemaken_outbox_backlog") == 0, timeout=90, interval=1)
        assert sample(port, "meemaken_relay_lag_seconds") == 0
        assert wait_for(lambda: sample(port, "meemaken_relay_published_total"), timeout=30) == waiting
    finally:
        relaying.terminate()
        relaying.wait(timeout=30)


def test_the_panels_answer_term_is_counted_from_the_panel_document_on_postgresql(database_url):
    migrate(PANELS.migrations_dir, database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC)

    def panel(due_in: timedelta, overdue: bool, status: str = "recommended") -> dict[str, object]:
        document = {"answer_due_at": (now + due_in).isoformat(), "answer_overdue": overdue}
        return {"id": uuid.uuid4(), "status": status, "version": 1, "document": document, "created_at": now}

    with engine.begin() as conn:
        conn.execute(
            panels.insert(),
            [
                panel(timedelta(days=-2), overdue=False),  # due, not noticed yet
                panel(timedelta(days=-9), overdue=True),  # breached, still unanswered
                panel(timedelta(days=-9), overdue=True),
                panel(timedelta(days=5), overdue=False),  # not yet due
                panel(timedelta(days=-9), overdue=True, status="answered"),  # answered late: closed
            ],
        )
    registry = CollectorRegistry()
    registry.register(DatabaseState("panels", engine, None, PANELS.timers, clock=lambda: now))
    assert registry.get_sample_value("meemaken_timers_due", {"timer": "answer"}) == 1
    assert registry.get_sample_value("meemaken_deadlines_breached", {"timer": "answer"}) == 2
    engine.dispose()


def test_every_services_timers_are_counted_on_its_migrated_postgresql_database(postgres_server_url):
    for service in (PROPOSALS, CHALLENGES, PANELS):
        name = f"test_{uuid.uuid4().hex[:12]}"
        url = create_database(postgres_server_url, name)
        try:
            migrate(service.migrations_dir, url)
            engine = make_engine(url)
            registry = CollectorRegistry()
            registry.register(DatabaseState(service.name, engine, None, service.timers))
            for timer in service.timers:
                assert registry.get_sample_value("meemaken_timers_due", {"timer": timer.name}) == 0, service.name
                assert registry.get_sample_value("meemaken_deadlines_breached", {"timer": timer.name}) == 0
            engine.dispose()
        finally:
            drop_database(postgres_server_url, name)
