"""Retries back off exponentially on transient failures; permanent ones and bounces stop at once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from notifications.domain.delivery import RetryPolicy, SendFailure, after_failure, idempotency_key
from notifications.domain.digest import last_closed_period_end, period_name, period_start

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
POLICY = RetryPolicy(first_wait=timedelta(seconds=30), ceiling=timedelta(hours=1), max_attempts=4)
BRUSSELS = ZoneInfo("Europe/Brussels")


def test_transient_failures_wait_twice_as_long_each_time_until_the_tries_run_out():
    waits = [after_failure(SendFailure("transient", "451"), n, NOW, POLICY) for n in (1, 2, 3, 4)]
    assert [w.status for w in waits] == ["queued", "queued", "queued", "failed"]
    assert [w.next_attempt_at - NOW for w in waits[:3]] == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert waits[3].last_error == "gave up after 4 tries: 451"


def test_a_permanent_failure_fails_at_once_and_a_refused_address_bounces():
    assert after_failure(SendFailure("permanent", "554 no"), 1, NOW, POLICY).status == "failed"
    assert after_failure(SendFailure("bounced", "550 no such user"), 1, NOW, POLICY).status == "bounced"


def test_the_wait_never_exceeds_the_ceiling():
    long = RetryPolicy(first_wait=timedelta(minutes=10), ceiling=timedelta(hours=1), max_attempts=20)
    assert long.next_attempt(10, NOW) == NOW + timedelta(hours=1)


def test_the_idempotency_key_is_one_per_event_recipient_and_channel():
    key = idempotency_key("urn:s", "e1", "p1", "email")
    assert key == idempotency_key("urn:s", "e1", "p1", "email") and len(key) == 64
    others = {idempotency_key("urn:s", "e1", "p1", "letter"), idempotency_key("urn:s", "e1", "p2", "email")}
    assert len({key, *others}) == 3


def test_digest_periods_follow_the_local_calendar():
    late_evening = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already Saturday in Brussels
    assert period_start("daily", late_evening, BRUSSELS).isoformat() == "2026-11-28"
    assert period_start("weekly", NOW, BRUSSELS).isoformat() == "2026-11-23"
    assert last_closed_period_end("daily", NOW, BRUSSELS) == datetime(2026, 11, 27, tzinfo=BRUSSELS)
    assert period_name("daily", NOW.date()) == "daily:2026-11-27"
