"""One trace from a resident's submission to the e-mail that tells them it was admitted, on the real broker,
PostgreSQL and an SMTP server process: the proposals API's request, its outbox and relay, the admissibility
consumer, the relay again, the notifications consumer and its sender, recorded by the SDK's in-memory exporter."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from helpers import ROOT, wait_for
from opentelemetry.trace import SpanKind
from proposals_kit import TEXT, TOPIC, admissibility_loop, open_process, relay_for, resident

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.plugin import session_env
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer
from meemaken_testkit.tracing import recorded_spans
from notifications import bootstrap as notifications
from notifications.adapters.config import NotificationSettings, SmtpSettings
from notifications.adapters.smtp import SmtpMailer
from notifications.adapters.tables import messages
from proposals.bootstrap import create_app, unit_of_work_factory

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from smtp_server import SmtpServer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture
def notifications_service(postgres_server_url, kafka_bootstrap):
    url = create_database(postgres_server_url, f"trace_notifications_{uuid.uuid4().hex[:8]}")
    migrate(notifications.SERVICE.migrations_dir, url)
    engine = make_engine(url)
    env = session_env() | {"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    yield Settings.from_env("notifications", env), engine
    engine.dispose()


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path)
    yield server
    server.stop()


def admitted(engine, proposal_id):
    with engine.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM proposals WHERE id = :id"), {"id": proposal_id}).scalar()
    return status == "admitted"


def test_one_trace_runs_from_the_submission_through_both_services_to_the_email(
    service, notifications_service, smtp, kafka_bootstrap
):
    spans = recorded_spans()  # before the apps are made: they get the request middleware
    settings, engine, _env = service
    n_settings, n_engine = notifications_service
    author = uuid.uuid4()
    own = NotificationSettings(SmtpSettings(port=smtp.port), first_retry=timedelta(seconds=1))
    contact = (
        notifications.create_app(n_settings, n_engine)
        .test_client()
        .put(
            f"/api/v1/people/{author}/contact",
            json={"email": "anna@example.org", "channels": ["inapp", "email"], "language": "en"},
            headers=bearer("notifications", "resident", sub=author),
        )
    )
    assert contact.status_code == 200, contact.text
    process_id = open_process(unit_of_work_factory(settings, engine))
    spans.clear()  # the trace under test starts with the resident's request

    body = {"process_id": process_id, "title": "Safer school streets", "text": TEXT}
    created = create_app(settings, engine).test_client().post("/api/v1/proposals", json=body, headers=resident(author))
    assert created.status_code == 201, created.text
    proposal_id = created.get_json()["id"]

    relay = relay_for(settings, engine)
    admissibility = admissibility_loop(settings, engine)
    [consumer] = [
        c
        for c in notifications.consumers(n_settings, n_engine, group_prefix=f"test-{uuid.uuid4().hex[:8]}-")
        if c.name == "notifications.proposals"
    ]
    sender = notifications.sender(n_engine, own)
    mailer = SmtpMailer(own.smtp)
    try:
        wait_for(
            lambda: relay.publish_once() >= 0 and admissibility.run_once(300) >= 0 and admitted(engine, proposal_id)
        )
        wait_for(lambda: relay.publish_once() >= 0 and consumer.run_once(300) >= 0 and _told(n_engine, author))
        wait_for(lambda: sender.send_due(mailer) >= 0 and smtp.received())
    finally:
        mailer.close()
        admissibility.close()
        consumer.close()
        relay.producer.close()

    finished = spans.get_finished_spans()
    [request] = [s for s in finished if s.kind == SpanKind.SERVER and s.name == "POST /api/v1/proposals"]
    trace = [s for s in finished if s.context.trace_id == request.context.trace_id]
    by_id = {s.context.span_id: s for s in trace}

    def chain(span):
        names = []
        while span is not None:
            names.append((span.kind.name, span.name, span.resource.attributes.get("service.name")))
            span = by_id.get(span.parent.span_id) if span.parent else None
        return list(reversed(names))

    [email] = [s for s in trace if s.name == "send e-mail"]
    assert [kind + " " + name for kind, name, _ in chain(email)] == [
        "SERVER POST /api/v1/proposals",
        f"PRODUCER create {TOPIC}",  # proposal submitted, staged in the outbox with the request
        f"CONSUMER process {TOPIC}",  # proposals' admissibility check
        f"PRODUCER create {TOPIC}",  # proposal admitted
        f"CONSUMER process {TOPIC}",  # notifications plans the messages
        "CLIENT send e-mail",  # the sender, later, from the notice's stored trace context
    ]
    consumers = [s.attributes["messaging.consumer.group.name"] for s in trace if s.kind == SpanKind.CONSUMER]
    assert sorted(consumers) == ["notifications.proposals"] * 2 + ["proposals.admissibility"]  # it reads both events
    sends = [s for s in trace if s.name == f"send {TOPIC}"]
    assert len(sends) == 2 and all(by_id[s.parent.span_id].name == f"create {TOPIC}" for s in sends), "the relay"
    attributes = json.dumps([dict(s.attributes) for s in trace]) + json.dumps([s.name for s in trace])
    assert str(author) not in attributes and "anna" not in attributes and "Safer" not in attributes


def _told(engine, author):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(messages).where(messages.c.recipient_id == author)
        ).scalar()
