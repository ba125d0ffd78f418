"""The use cases with a fake mailer, on SQLite and PostgreSQL: plan by preferences, send once, retry, digest."""

import threading
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fakes import Clock, FakeMailer, FakeVoters
from notifications_builders import NOW, PROPOSALS, challenge_event, rejected, sample

from meemaken_events.wakeup import Wakeup
from notifications.adapters.audiences import AudienceStore
from notifications.adapters.contacts import ContactStore
from notifications.adapters.tables import deliveries, messages, notices
from notifications.domain.delivery import RetryPolicy, SendFailure
from notifications.domain.people import Contact, Preferences
from notifications.integration.incoming import handler
from notifications.service_layer.fanout import fan_out_step
from notifications.service_layer.planning import FAN_OUT, PERSONAL_LANE
from notifications.service_layer.schedule import build_digests, purge_delivery_log
from notifications.service_layer.sending import Sender

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def sender(engine, clock):
    return Sender(
        engine, clock, RetryPolicy(timedelta(seconds=30), max_attempts=3), "gemeente <noreply@x.test>", BRUSSELS
    )


def contact(engine, person, email=None, **prefs):
    with engine.begin() as conn:
        ContactStore(conn).put(
            Contact(str(person), email or f"{uuid.uuid4().hex[:8]}@example.org", (), Preferences(**prefs)), NOW
        )


def handle(engine, clock, *events):
    with engine.begin() as conn:
        for event in events:
            handler(clock)(conn, event)


def rows(engine, table=deliveries):
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table)))


def test_a_decision_reaches_the_group_in_their_language_and_followers_once(engine, clock, sender):
    rep, co, follower = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact(engine, rep, "rep@example.org", language="fr")
    contact(engine, co, "co@example.org")
    event = rejected(rep)
    with engine.begin() as conn:
        scope = f"challenge:{event.data['challenge_id']}"
        AudienceStore(conn).join(scope, "co_initiators", str(co), NOW)
        AudienceStore(conn).join(scope, "followers", str(follower), NOW)
        AudienceStore(conn).join(scope, "followers", str(rep), NOW)  # follows their own case: told once
    handle(engine, clock, event, event)
    assert sorted((r.recipient_id, r.channel, r.legally_required) for r in rows(engine)) == sorted(
        [(str(rep), "email", True), (str(co), "email", True)]
    )
    assert sorted(str(m.recipient_id) for m in rows(engine, messages)) == sorted(map(str, (rep, co, follower)))
    mailer = FakeMailer()
    assert sender.send_due(mailer) == 2 and sender.send_due(mailer) == 0
    by_address = {m["To"]: m for m in mailer.sent}
    assert by_address["rep@example.org"]["Subject"] == "Votre initiative est refus\u00e9e"
    text = by_address["co@example.org"].get_body(("plain",)).get_content()
    html = by_address["co@example.org"].get_body(("html",)).get_content()
    assert "afgewezen" in text and "27 december 2026" in text and '<html lang="nl">' in html
    assert {r.status for r in rows(engine)} == {"sent"}


def test_co_initiators_named_in_the_decision_are_told_without_anyone_registering_them(engine, clock, sender):
    """The decision event names the group's co-initiators: each hears of it (legally required), in their
    own language, beside the representative; one also registered by an official is told once."""
    rep, co1, co2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact(engine, rep)
    contact(engine, co1, "co1@example.org", language="fr")
    contact(engine, co2, "co2@example.org")
    event = rejected(rep, co_initiator_ids=[str(co1), str(co2)])
    with engine.begin() as conn:
        AudienceStore(conn).join(f"challenge:{event.data['challenge_id']}", "co_initiators", str(co2), NOW)
    handle(engine, clock, event)
    told = sorted((r.recipient_id, r.legally_required) for r in rows(engine))
    assert told == sorted([(str(rep), True), (str(co1), True), (str(co2), True)])
    mailer = FakeMailer()
    assert sender.send_due(mailer) == 3
    by_address = {m["To"]: m for m in mailer.sent}
    assert by_address["co1@example.org"]["Subject"] == "Votre initiative est refus\u00e9e"


def test_the_author_hears_of_their_proposal_from_the_events_that_name_them(engine, clock):
    """The v2 events of a proposal's support, overdue answer, merge, split and follow-up name its author, whom
    their route tells; a v1 event of them names no author, so only the proposal's followers hear of it."""
    author, follower = uuid.uuid4(), uuid.uuid4()
    told = []
    for name in ("threshold_reached", "answer_overdue", "merged", "split", "followed_up"):
        for version in ("v1", "v2"):
            event_type = f"org.meemaken.proposals.proposal.{name}.{version}"
            data = sample(event_type) | ({"author_id": str(author)} if version == "v2" else {})
            with engine.begin() as conn:
                AudienceStore(conn).join(f"proposal:{data['proposal_id']}", "followers", str(follower), NOW)
            handle(engine, clock, PROPOSALS.create(event_type, data["proposal_id"], data))
            told.append((version, sorted(str(m.recipient_id) for m in rows(engine, messages))))
            with engine.begin() as conn:
                conn.execute(sa.delete(messages))
    assert told == [("v1", [str(follower)]), ("v2", sorted([str(author), str(follower)]))] * 5


def test_transient_failures_are_retried_with_backoff_and_the_message_sent_once(engine, clock, sender):
    rep = uuid.uuid4()
    contact(engine, rep)
    handle(engine, clock, rejected(rep))
    mailer = FakeMailer([SendFailure("transient", "451 try later"), SendFailure("transient", "421 busy")])
    assert sender.send_due(mailer) == 1
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "451 try later")
    assert sender.send_due(mailer) == 0, "not before its next attempt"
    clock.advance(seconds=30)
    sender.send_due(mailer)
    clock.advance(seconds=60)
    sender.send_due(mailer)
    [row] = rows(engine)
    assert (row.status, row.attempts, len(mailer.sent)) == ("sent", 3, 1)


def test_always_refused_ends_failed_with_the_error_and_a_bounce_is_recorded(engine, clock, sender):
    rep, other = uuid.uuid4(), uuid.uuid4()
    contact(engine, rep)
    handle(engine, clock, rejected(rep))
    mailer = FakeMailer([SendFailure("transient", "451 no")] * 3)
    for _ in range(3):
        sender.send_due(mailer)
        clock.advance(hours=1)
    [row] = rows(engine)
    assert row.status == "failed" and row.last_error == "gave up after 3 tries: 451 no"
    contact(engine, other)
    handle(engine, clock, rejected(other))
    sender.send_due(FakeMailer([SendFailure("bounced", "550 no such mailbox")]))
    assert {r.status for r in rows(engine)} == {"failed", "bounced"}


def test_a_muted_topic_sends_nothing_except_a_legally_required_message(engine, clock, sender):
    rep = uuid.uuid4()
    contact(engine, rep, muted_topics=("challenge",))
    handle(engine, clock, challenge_event("dialogue_started", rep, "in_dialogue"), rejected(rep))
    assert [r.template for r in rows(engine)] == ["challenge_decided"]
    assert [m.kind for m in rows(engine, messages)] == ["challenge_decided"]


def test_a_daily_digest_holds_the_days_messages_once(engine, clock, sender):
    rep = uuid.uuid4()
    contact(engine, rep, "daily@example.org", digest="daily", language="en")
    handle(engine, clock, challenge_event("dialogue_started", rep, "in_dialogue"))
    clock.advance(hours=2)
    handle(
        engine,
        clock,
        challenge_event("referred_to_panel", rep, "in_assessment", question="Which site is safer?"),
        rejected(rep),
    )
    assert build_digests(engine, clock(), BRUSSELS) == 0, "the day is not over"
    mailer = FakeMailer()
    sender.send_due(mailer)
    assert [m["Subject"] for m in mailer.sent] == ["Your challenge has been rejected"], "the law does not wait"
    clock.advance(days=1)
    assert build_digests(engine, clock(), BRUSSELS) == 1
    assert build_digests(engine, clock(), BRUSSELS) == 0
    sender.send_due(mailer)
    digest = mailer.sent[-1]
    assert digest["Subject"] == "Your messages of 27 November 2026"
    assert digest.get_body(("plain",)).get_content().count("Your challenge:") == 2
    assert sorted(r.status for r in rows(engine)) == ["digested", "digested", "sent", "sent"]


def test_a_fan_out_plans_page_by_page_and_resumes_without_duplicates(engine, clock, sender):
    voters = [str(uuid.uuid4()) for _ in range(25)]
    for v in voters[:10]:
        contact(engine, v)
    from meemaken_events import EventFactory

    results = EventFactory("urn:meemaken:municipality:demo:system:proposals").create(
        "org.meemaken.proposals.round.results_published.v1",
        "r",
        {
            "round_id": str(uuid.uuid4()),
            "process_id": "b",
            "rule": "mes",
            "voters": 25,
            "paper_ballots": 0,
            "spent": 1,
            "selected": [{"project_id": "p1", "title": "Benches"}],
        },
    )
    handle(engine, clock, results)
    fake = FakeVoters(voters)
    while fan_out_step(engine, fake, clock(), page_size=10) > 0:
        pass
    assert fake.calls == 3
    assert len(rows(engine)) == 10 and len(rows(engine, messages)) == 25
    assert {r.priority for r in rows(engine)} == {2}
    mailer = FakeMailer()
    sender.send_due(mailer)
    assert "Your vote helped fund" not in mailer.sent[0].get_body(("plain",)).get_content()
    assert "Jouw stem hielp deze projecten mogelijk maken." in mailer.sent[0].get_body(("plain",)).get_content()


def test_a_fan_out_waits_while_the_voters_service_is_away_and_resumes_after(engine, clock):
    from meemaken_events import TransientError

    class Away:
        def page(self, role, data, cursor, limit):
            raise TransientError("connection refused")

    results = results_published(voters=2)
    handle(engine, clock, results)
    assert fan_out_step(engine, Away(), clock()) == -1  # the loop backs off
    with engine.connect() as conn:
        assert "connection refused" in conn.execute(sa.text("SELECT last_error FROM fanouts")).scalar_one()
    voters = FakeVoters([str(uuid.uuid4()), str(uuid.uuid4())])
    assert fan_out_step(engine, voters, clock()) == 2 and fan_out_step(engine, voters, clock()) == 0
    assert len(rows(engine, messages)) == 2


def test_the_purge_forgets_recipients_of_old_finished_deliveries(engine, clock, sender):
    rep = uuid.uuid4()
    contact(engine, rep)
    handle(engine, clock, rejected(rep))
    sender.send_due(FakeMailer())
    assert purge_delivery_log(engine, clock(), timedelta(days=90)) == 0
    clock.advance(days=91)
    assert purge_delivery_log(engine, clock(), timedelta(days=90)) == 1
    [row] = rows(engine)
    assert row.recipient_id is None and row.purged_at is not None and row.status == "sent"
    [notice] = rows(engine, notices)
    assert notice.data == {} and notice.purged_at is not None


def test_the_fan_out_loop_backs_off_while_the_voters_service_is_away(engine, clock):
    from meemaken_events import TransientError
    from notifications.entrypoints.loops import FanOutLoop

    class Away:
        def page(self, role, data, cursor, limit):
            raise TransientError("connection refused")

    results = results_published(voters=1)
    handle(engine, clock, results)
    loop = FanOutLoop(engine, Away(), clock)
    loop._stop.set()  # the test does not sit out the pauses, it reads them
    pauses = []
    for _ in range(8):
        assert loop.step() is False
        pauses.append(loop.pause)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    loop.recipients = FakeVoters([str(uuid.uuid4())])
    assert loop.step() is True and loop.pause == 0.0


def results_published(voters: int):
    from meemaken_events import EventFactory

    return EventFactory("urn:meemaken:municipality:demo:system:proposals").create(
        "org.meemaken.proposals.round.results_published.v1",
        "r",
        {
            "round_id": str(uuid.uuid4()),
            "process_id": "b",
            "rule": "mes",
            "voters": voters,
            "paper_ballots": 0,
            "spent": 1,
            "selected": [{"project_id": "p1", "title": "Benches"}],
        },
    )


def test_the_personal_lane_takes_a_decision_before_a_fan_out_and_leaves_the_fan_out_to_the_other_threads(
    engine, clock, sender
):
    voters = [str(uuid.uuid4()) for _ in range(3)]
    for v in voters:
        contact(engine, v)
    handle(engine, clock, results_published(voters=3))
    assert fan_out_step(engine, FakeVoters(voters), clock()) == 3
    representative = uuid.uuid4()
    contact(engine, representative)
    handle(engine, clock, rejected(representative))
    lane, others = FakeMailer(), FakeMailer()
    assert sender.send_due(lane, below=FAN_OUT) == 1 and sender.send_due(lane, below=FAN_OUT) == 0
    assert sender.send_due(others) == 3
    assert {str(m["To"]) for m in others.sent}.isdisjoint({str(m["To"]) for m in lane.sent})
    assert [r.status for r in rows(engine)] == ["sent"] * 4


def test_a_decision_planned_wakes_the_personal_lane_at_its_commit_and_a_fan_out_page_does_not(engine, clock):
    """On PostgreSQL the personal lane waits for a NOTIFY instead of polling: the decision's commit sends one,
    a fan-out's page (priority FAN_OUT, for the other threads) none."""
    wakeup = Wakeup.for_engine(engine, PERSONAL_LANE)
    if wakeup is None:
        pytest.skip("SQLite has no NOTIFY: the lane polls there")
    stop = threading.Event()
    try:
        assert wakeup.wait(0.01, stop) is False  # listening from here on
        voters = [str(uuid.uuid4()) for _ in range(3)]
        for v in voters:
            contact(engine, v)
        handle(engine, clock, results_published(voters=3))
        assert fan_out_step(engine, FakeVoters(voters), clock()) == 3
        assert wakeup.wait(0.5, stop) is False
        representative = uuid.uuid4()
        contact(engine, representative)
        handle(engine, clock, rejected(representative))
        assert wakeup.wait(30, stop) is True
    finally:
        wakeup.close()
