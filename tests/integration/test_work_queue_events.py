"""The gateway's work queue from the services' own events, on a real Kafka broker and PostgreSQL: events
built by each service's factory become work items and each case's history (the case pages); a consumer
restart reads nothing twice, and a replay of the topics from the beginning (a new consumer group, an empty
inbox) changes nothing."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import ROOT
from kafka import KafkaProducer

from gateway.adapters.case_tables import case_assignments, case_events
from gateway.adapters.tables import inbox, work_items
from gateway.bootstrap import SERVICE
from gateway.casework.consumer import batch_scope, consumers, subscriptions
from meemaken_events import EventFactory
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.draining import drain
from meemaken_testkit.plugin import session_env

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

NOW = datetime.now(UTC)


def proposal_events() -> tuple[list, set[str]]:
    from proposals.domain.budget_round import RoundEvent
    from proposals.domain.events import FeasibilityStarted, ProjectAdded, RoundIds
    from proposals.domain.model import Position, ProposalAdmitted, ProposalAnswered, SupportThresholdReached
    from proposals.integration.outgoing import envelope_for

    factory = EventFactory("urn:meemaken:municipality:demo:system:proposals")
    waiting, answered, round_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    author = uuid.uuid4()
    round_ids = RoundIds(round_id=str(round_id), process_id="budget-2027")
    events = [
        ProposalAdmitted(waiting, "p", author, "Safer school streets"),
        SupportThresholdReached(waiting, "p", author, "Safer school streets", 300, 300, NOW - timedelta(days=1)),
        ProposalAdmitted(answered, "p", author, "More benches"),
        ProposalAnswered(answered, "p", author, "More benches", Position.ADOPTED, "We will.", False),
        RoundEvent("feasibility_started", round_id, "budget-2027", FeasibilityStarted(**round_ids)),
        RoundEvent(
            "project_added",
            round_id,
            "budget-2027",
            ProjectAdded(**round_ids, project_id="p1", title="Trees", district="noord", cost=1000, theme=None),
        ),
    ]
    ids = {str(waiting), str(answered), str(round_id), f"{round_id}/p1"}
    return [envelope_for(factory, e) for e in events], ids


def challenge_events() -> tuple[list, set[str]]:
    sys.path.insert(0, str(ROOT / "services" / "challenges" / "tests"))
    from challenge_builders import NOW as THEN
    from challenge_builders import new_challenge

    from challenges.domain.gates import Facts, Window, check_gates
    from challenges.integration.outgoing import envelope_for

    factory = EventFactory("urn:meemaken:municipality:demo:system:challenges")
    c = new_challenge("uk")
    c.submit(THEN)
    c.acknowledge(THEN)
    c.start_admissibility_check(THEN)
    facts = Facts(THEN, True, (Window(THEN, THEN),), None, (), 1, "charity", 20, (), 0)
    c.record_gates(check_gates(c.profile, facts), THEN)
    c.request_information(THEN, "Accounts, please.")
    c.supply_information(THEN, "Attached.")
    c.assign_assessor(THEN, uuid.uuid4())
    return [envelope_for(factory, e) for e in c.events], {str(c.id)}


def panel_events() -> tuple[list, set[str]]:
    from panels.domain.panel import PanelEvent
    from panels.integration.outgoing import envelope_for

    factory = EventFactory("urn:meemaken:municipality:demo:system:panels")
    pid = uuid.uuid4()
    details = {"mandate": "adviseren", "size": 24, "alternates": 4, "theme": "Climate", "referred_challenge_id": None}
    return [envelope_for(factory, PanelEvent("set_up", pid, NOW, details))], {str(pid)}  # type: ignore[arg-type]


def publish(bootstrap: str, envelopes: list) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    for envelope in envelopes:
        key, value, headers = envelope.to_kafka()
        producer.send(envelope_topic(envelope), key=key, value=value, headers=headers)
    producer.flush(30)
    producer.close()


def envelope_topic(envelope) -> str:
    from meemaken_events import catalogue

    return catalogue()[envelope.type].topic


def snapshot(engine: sa.Engine, ids: set[str]) -> dict[str, dict]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(work_items).where(work_items.c.case_id.in_(ids))).mappings()
        return {row["case_id"]: dict(row) for row in found}


def histories(engine: sa.Engine, ids: set[str]) -> tuple[list[dict], list[dict]]:
    """The cases' events and assignments, as the case pages read them."""
    with engine.connect() as conn:
        events = conn.execute(
            sa.select(case_events).where(case_events.c.case_id.in_(ids)).order_by(case_events.c.event_id)
        ).mappings()
        given = conn.execute(
            sa.select(case_assignments).where(case_assignments.c.case_id.in_(ids)).order_by(case_assignments.c.id)
        ).mappings()
        return [dict(r) for r in events], [dict(r) for r in given]


def handled(engine, event_ids: set[str]):
    """Whether every one of these events is in the gateway's inbox: handled."""

    def all_in_the_inbox() -> bool:
        with engine.connect() as conn:
            seen = set(conn.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id.in_(event_ids))).scalars())
        return seen == event_ids

    return all_in_the_inbox


def test_the_services_events_become_work_items_and_a_restart_or_replay_changes_nothing(database_url, kafka_bootstrap):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    env = session_env() | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    settings = Settings.from_env("gateway", env)
    envelopes, ids = [], set()
    for make in (proposal_events, challenge_events, panel_events):
        built, their_ids = make()
        envelopes += built
        ids |= their_ids
    publish(kafka_bootstrap, envelopes)

    group = f"test-{uuid.uuid4().hex[:8]}-"
    event_ids = {e.id for e in envelopes}
    drain(consumers(settings, engine, group_prefix=group), handled(engine, event_ids))
    first = snapshot(engine, ids)
    assert set(first) == ids

    by_kind = {row["kind"]: row for row in first.values()}
    waiting = next(row for row in first.values() if row["title"] == "Safer school streets")
    assert waiting["open"] and waiting["state"] == "threshold_reached" and waiting["title"] == "Safer school streets"
    assert waiting["due_at"] < datetime.now(UTC)  # overdue: its flag is computed when the queue is read
    assert next(r for r in first.values() if r["state"] == "answered")["open"] is False
    assert by_kind["review_feasibility"]["title"] == "budget-2027"
    assert by_kind["assess_project"]["district"] == "noord"
    challenge = by_kind["handle_information"]
    assert challenge["department"] == "culture" and challenge["state"] == "in_assessment"
    assert challenge["assignee"] is not None and challenge["title"] is None  # no representative, no group name
    assert by_kind["import_pool"]["title"] == "Climate"

    history, given = histories(engine, ids)  # every event in its case's history, once
    assert sorted(e["event_id"] for e in history) == sorted(event_ids)
    told = [e for e in history if e["case_id"] == challenge["case_id"]]
    names = {e["event"] for e in told}
    assert {"challenge.submitted", "challenge.information_requested", "challenge.assessor_assigned"} <= names
    assert not any("Attached." in str(e["facts"]) for e in told)  # what the group typed is never kept
    (assigned,) = given  # the service's assessor: the case's assignment, and so the queue's assignee
    assert assigned["id"] in {e["event_id"] for e in told} and challenge["assignee"] == assigned["assignee"]

    restarted = consumers(settings, engine, group_prefix=group)  # the same groups: their offsets were committed
    for _ in range(5):
        for loop in restarted:
            assert loop.run_once(300) == 0
    for loop in restarted:
        loop.close()
    assert snapshot(engine, ids) == first and histories(engine, ids) == (history, given)

    with engine.begin() as conn:  # a replay the inbox cannot stop: every event is handled again
        conn.execute(inbox.delete())
    drain(consumers(settings, engine, group_prefix=f"replay-{uuid.uuid4().hex[:8]}-"), handled(engine, event_ids))
    assert snapshot(engine, ids) == first
    assert histories(engine, ids) == (history, given)  # the replay added no event and no assignment
    engine.dispose()


@pytest.mark.postgres
def test_a_polled_batch_written_together_leaves_what_its_events_one_at_a_time_leave(database_url):
    """The consumer's batch scope (one upsert per run of like changes, the history in one insert) against
    the same events handled one by one (as the kit redoes a batch that failed): the same items, history
    and assignments, with a case's changes of different fields and its assignment in one batch."""
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    envelopes, ids = [], set()
    for make in (proposal_events, challenge_events, panel_events):
        built, their_ids = make()
        envelopes += built
        ids |= their_ids
    handlers = {t: h for _topics, hs in subscriptions().values() for t, h in hs.items()}

    def forget() -> None:
        with engine.begin() as conn:
            for table in (work_items, case_events, case_assignments):
                conn.execute(table.delete().where(table.c.case_id.in_(ids)))

    with engine.begin() as conn:
        for envelope in envelopes:
            handlers[envelope.type](conn, envelope)
    one_by_one = snapshot(engine, ids), histories(engine, ids)
    forget()
    with engine.begin() as conn, batch_scope(conn):
        for envelope in envelopes + envelopes[:3]:  # a redelivery within the batch changes nothing either
            handlers[envelope.type](conn, envelope)
    assert (snapshot(engine, ids), histories(engine, ids)) == one_by_one
    assert len(one_by_one[1][1]) == 1 and len(one_by_one[0]) == len(ids)
    forget()
    engine.dispose()
