"""Deadline alerts through the real broker, on PostgreSQL: a proposal past its answer deadline in the
gateway's work queue is announced by the gateway's worker (its outbox, relayed to Kafka), and the
notifications service tells the case's assignee and the municipality-wide supervisor, in one message
each, even after both consumers replay their topics from the beginning and the worker runs again."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import produce

from gateway.adapters import tables as gateway_tables
from gateway.adapters.desk_tables import deadline_alerts
from gateway.bootstrap import SERVICE as GATEWAY
from gateway.casework import alert_store, case_store, store
from gateway.casework.alert_events import DEADLINE_ALERT
from gateway.casework.alert_store import CrossingWatch, _candidates, announce_crossings, remember_desk_roles
from gateway.casework.consumer import consumers as queue_consumers
from gateway.casework.queue import Change
from gateway.casework.timeline import Assignment
from meemaken_events import ConsumerLoop, EventFactory, Outbox, Relay, catalogue
from meemaken_events.settings import EventSettings
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.draining import drain
from meemaken_testkit.postgres import create_database, drop_database
from notifications.adapters.tables import inbox as notifications_inbox
from notifications.adapters.tables import messages
from notifications.bootstrap import SERVICE as NOTIFICATIONS
from notifications.bootstrap import consumers as notification_consumers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def overdue_proposal() -> tuple[list, str]:
    from proposals.domain.model import ProposalAdmitted, SupportThresholdReached
    from proposals.integration.outgoing import envelope_for

    factory = EventFactory("urn:meemaken:municipality:demo:system:proposals")
    proposal, author = uuid.uuid4(), uuid.uuid4()
    due = datetime.now(UTC) - timedelta(days=2)
    events = [
        ProposalAdmitted(proposal, "p", author, "Safer school streets"),
        SupportThresholdReached(proposal, "p", author, "Safer school streets", 300, 300, due),
    ]
    return [envelope_for(factory, e) for e in events], str(proposal)


def publish(bootstrap: str, envelopes: list) -> None:
    for envelope in envelopes:
        produce(bootstrap, catalogue()[envelope.type].topic, *envelope.to_kafka())


def handled(engine: sa.Engine, event_ids: set[str]):
    """Whether every one of these events is in the gateway's inbox: handled by its queue consumers."""

    def all_in_the_inbox() -> bool:
        with engine.connect() as conn:
            inbox = gateway_tables.inbox
            return (
                set(conn.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id.in_(event_ids))).scalars())
                == event_ids
            )

    return all_in_the_inbox


def told(engine: sa.Engine, alert_id: str) -> list[str]:
    """Who got this deadline alert in their inbox, once per message."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(messages.c.recipient_id, messages.c.body)
            .where(messages.c.kind == "deadline_alert")
            .where(messages.c.event_id == alert_id)
        )
        found = [(str(r.recipient_id), r.body) for r in rows]
    assert not any("Safer school streets" in body for _, body in found)  # the case by reference only
    return sorted(person for person, _ in found)


def alerts_of(engine: sa.Engine, case_id: str) -> list[str]:
    """The ids of the deadline alerts the gateway's outbox holds for this case."""
    outbox = gateway_tables.outbox
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.event_id, outbox.c.envelope).where(outbox.c.type == DEADLINE_ALERT))
        return [r.event_id for r in rows if json.loads(r.envelope)["data"]["case_id"] == case_id]


def alert_reader(settings: Settings, engine: sa.Engine, group: str) -> ConsumerLoop:
    """Notifications' consumer of the gateway's events (the services' own are not this test's)."""
    loops = notification_consumers(settings, engine, group_prefix=group)
    (found,) = [loop for loop in loops if loop.name == "notifications.gateway"]
    for loop in loops:
        if loop is not found:
            loop.close()
    return found


def read(loop: ConsumerLoop, engine: sa.Engine, event_id: str) -> None:
    """Run the consumer until this event is in the notifications' inbox: handled."""

    def handled() -> bool:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.select(notifications_inbox.c.event_id).where(notifications_inbox.c.event_id == event_id)
                ).first()
            )

    drain([loop], handled)


def test_a_breach_is_told_once_to_the_assignee_and_the_supervisor_even_after_a_replay(
    database_url, postgres_server_url, kafka_bootstrap
):
    migrate(GATEWAY.migrations_dir, database_url)
    gateway = make_engine(database_url)
    name = f"notifications_{uuid.uuid4().hex[:10]}"
    notifications_url = create_database(postgres_server_url, name)
    migrate(NOTIFICATIONS.migrations_dir, notifications_url)
    notifications = make_engine(notifications_url)
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    gw_settings = Settings.from_env("gateway", {**env, "DATABASE_URL": database_url})
    n_settings = Settings.from_env("notifications", {**env, "DATABASE_URL": notifications_url})
    try:
        envelopes, case_id = overdue_proposal()
        publish(kafka_bootstrap, envelopes)
        group = f"alerts-{uuid.uuid4().hex[:8]}-"
        drain(queue_consumers(gw_settings, gateway, group_prefix=group), handled(gateway, {e.id for e in envelopes}))

        officer, supervisor, elsewhere = (str(uuid.uuid4()) for _ in range(3))
        remember_desk_roles(gateway, supervisor, ["supervisor"], {})
        remember_desk_roles(gateway, elsewhere, ["supervisor"], {"supervisor": ["department:culture"]})
        with gateway.begin() as conn:
            given = Assignment(str(uuid.uuid4()), "proposals", case_id, officer, datetime.now(UTC), supervisor)
            case_store.assign(conn, given)

        # The session's broker also carries earlier tests' overdue proposals, which a new consumer group reads
        # too: this test counts the alerts of its own case, and the messages of its own three officials.
        outbox, factory = Outbox(gateway_tables.outbox), EventFactory(gw_settings.event_source)
        assert announce_crossings(gateway, outbox, factory) >= 1
        assert announce_crossings(gateway, outbox, factory) == 0  # the same crossings: nothing more
        (alert_id,) = alerts_of(gateway, case_id)
        relay = Relay.for_service(
            "gateway",
            gateway,
            gateway_tables.outbox,
            gateway_tables.relay_lease,
            EventSettings(kafka_bootstrap_servers=kafka_bootstrap),
        )
        assert relay.publish_once() >= 1

        read(alert_reader(n_settings, notifications, f"n-{uuid.uuid4().hex[:8]}-"), notifications, alert_id)
        expected = sorted([officer, supervisor])  # not the supervisor of another department
        assert told(notifications, alert_id) == expected

        # A replay of every topic from the beginning, with the inboxes emptied: the queue's item comes back
        # the same, the worker announces nothing new, and the alert read again plans no second message.
        with gateway.begin() as conn:
            conn.execute(gateway_tables.inbox.delete())
        replay = f"replay-{uuid.uuid4().hex[:8]}-"
        drain(queue_consumers(gw_settings, gateway, group_prefix=replay), handled(gateway, {e.id for e in envelopes}))
        assert announce_crossings(gateway, outbox, factory) == 0
        assert relay.publish_once() == 0
        with notifications.begin() as conn:
            conn.execute(notifications_inbox.delete())
        read(alert_reader(n_settings, notifications, replay), notifications, alert_id)
        assert told(notifications, alert_id) == expected  # still one message each
        assert alerts_of(gateway, case_id) == [alert_id]
        relay.producer.close()
    finally:
        gateway.dispose()
        notifications.dispose()
        drop_database(postgres_server_url, name)


@pytest.mark.postgres
def test_after_its_first_pass_the_alert_step_reads_only_the_items_whose_level_can_have_changed(database_url):
    """The worker's CrossingWatch: a full pass, then only due dates that passed or came near since its last
    run and items an event changed; each crossing is still announced once."""
    migrate(GATEWAY.migrations_dir, database_url)
    engine = make_engine(database_url)
    t0 = datetime.now(UTC).replace(microsecond=0)
    old = t0 - timedelta(hours=1)  # the events of the items already there

    def item(case_id: str, due: datetime, at: datetime) -> None:
        fields = {"kind": "answer_proposal", "state": "admitted", "open": True, "due_at": due}
        with engine.begin() as conn:
            store.apply(conn, Change("proposals", case_id, at, fields))

    near, later = f"near-{uuid.uuid4()}", f"later-{uuid.uuid4()}"
    item(near, t0 + timedelta(days=2), old)  # near breach now, breached in two days
    item(later, t0 + timedelta(days=5), old)  # near in two days
    watch = CrossingWatch(engine, Outbox(gateway_tables.outbox), EventFactory("urn:meemaken:test:gateway"))
    try:
        assert watch(t0) >= 1  # the first pass reads every candidate (others' items included)
        with engine.connect() as conn:
            assert _candidates(conn, t0 + timedelta(minutes=1), since=t0)[0] == []  # nothing changed: nothing read
        assert watch(t0 + timedelta(minutes=1)) == 0

        changed = f"changed-{uuid.uuid4()}"
        item(changed, t0 + timedelta(hours=5), t0 + timedelta(minutes=1))  # an event since the last run
        assert watch(t0 + timedelta(minutes=2)) == 1
        two_days = t0 + timedelta(days=2, minutes=3)
        with engine.connect() as conn:
            read = {i["case_id"] for i in _candidates(conn, two_days, since=t0 + timedelta(minutes=2))[0]}
        assert {near, later} <= read  # one passed its due date, the other came within three days
        assert watch(two_days) >= 2 and watch(two_days + timedelta(minutes=1)) == 0
        with engine.connect() as conn:
            levels = conn.execute(
                sa.select(deadline_alerts.c.case_id, deadline_alerts.c.level).where(
                    deadline_alerts.c.case_id.in_([near, later, changed])
                )
            ).all()
        assert sorted(levels) == sorted(
            [
                (near, "near_breach"),
                (near, "breached"),
                (later, "near_breach"),
                (changed, "near_breach"),
                (changed, "breached"),
            ]
        )
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_backlog_of_crossings_is_read_once_and_announced_a_batch_per_run(database_url, monkeypatch):
    migrate(GATEWAY.migrations_dir, database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        for n in range(5):
            fields = {"kind": "answer_proposal", "state": "admitted", "open": True, "due_at": now - timedelta(hours=n)}
            store.apply(conn, Change("proposals", f"backlog-{n}-{uuid.uuid4()}", now - timedelta(days=1), fields))
    reads = []

    def counted(conn, at, since=None):
        reads.append(since)
        return _candidates(conn, at, since)

    monkeypatch.setattr(alert_store, "_candidates", counted)
    monkeypatch.setattr(alert_store, "BATCH", 2)
    watch = CrossingWatch(engine, Outbox(gateway_tables.outbox), EventFactory("urn:meemaken:test:gateway"))
    try:
        runs = []
        while not runs or watch.backlog:
            runs.append(watch(now))
        assert reads == [None]  # one full read; its crossings (others' items too) two per run
        assert all(n == 2 for n in runs[:-1]) and sum(runs) >= 5 and watch.since == now
        assert watch(now + timedelta(seconds=1)) == 0 and reads == [None, now]  # then only what changed since
    finally:
        engine.dispose()
