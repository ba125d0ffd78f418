"""The dead-letter rules as plain Python: the limit over a sliding window, the per-key queues, a batch's
triage (test_consumer_batch.py has the consumer loop applying them)."""

import pytest

from meemaken_events.dead_letters import DeadLetterLimit, KeyQueues, Origin, Triage
from meemaken_events.settings import EventSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_allows_that_many_dead_letters_within_the_window_and_forgets_older_ones():
    clock = Clock()
    limit = DeadLetterLimit(3, 60, clock)
    limit.record(3)
    assert limit.exceeded(1) and not limit.exceeded(0)
    clock.now += 59.9
    assert limit.exceeded(1)
    clock.now += 0.2
    assert not limit.exceeded(3) and limit.exceeded(4)
    assert limit.recent == 0


def test_the_limit_comes_from_the_event_settings():
    limit = DeadLetterLimit.configured(EventSettings.from_env("events", {"MEEMAKEN_DEAD_LETTER_LIMIT": "5"}))
    assert (limit.limit, limit.window) == (5, 600)
    with pytest.raises(ValueError):
        DeadLetterLimit(0, 60)


def test_a_key_waits_behind_its_first_unresolved_dead_letter_until_all_are_resolved():
    queues = KeyQueues()
    key = ("t", b"a")
    first, second = Origin("t", 0, 5), Origin("t", 0, 9)
    queues.add(first, key)
    queues.add(second, key)
    queues.add(first, key)  # the same dead letter read twice counts once
    assert queues.blocker(key) == first and queues.unresolved == 2
    assert queues.blocker(("t", b"b")) is None and queues.blocker(("other", b"a")) is None
    queues.resolve(first)
    assert queues.blocker(key) == second
    queues.resolve(second)
    assert queues.blocker(key) is None and queues.unresolved == 0
    assert queues.known(first)  # read again later, it is not handled a second time


def test_a_record_without_a_key_blocks_nothing():
    queues = KeyQueues()
    queues.add(Origin("t", 0, 1), None)
    assert queues.blocker(None) is None and queues.unresolved == 1


def test_triage_parks_later_records_of_a_poisoned_key_and_counts_nothing_until_settled():
    queues, limit = KeyQueues(), DeadLetterLimit(10, 60)
    triage = Triage(queues, limit)
    a, b = ("t", b"a"), ("t", b"b")
    assert triage.before(Origin("t", 0, 1), a).action == "handle"
    assert triage.poisoned(Origin("t", 0, 1), a).action == "poison"
    parked = triage.before(Origin("t", 0, 2), a)
    assert (parked.action, parked.behind) == ("park", Origin("t", 0, 1))
    assert triage.before(Origin("t", 0, 3), b).action == "handle"
    assert queues.blocker(a) is None and limit.recent == 0  # a batch rolled back leaves no trace
    triage.settle()
    assert queues.blocker(a) == Origin("t", 0, 1) and queues.unresolved == 2 and limit.recent == 2


def test_triage_halts_at_the_dead_letter_over_the_limit():
    queues, limit = KeyQueues(), DeadLetterLimit(2, 60)
    triage = Triage(queues, limit)
    assert triage.poisoned(Origin("t", 0, 1), ("t", b"a")).action == "poison"
    assert triage.before(Origin("t", 0, 2), ("t", b"a")).action == "park"
    assert triage.before(Origin("t", 0, 3), ("t", b"a")).action == "halt"
    assert triage.poisoned(Origin("t", 0, 4), ("t", b"b")).action == "halt"
    assert triage.before(Origin("t", 0, 5), ("t", b"c")).action == "handle"


def test_a_record_dead_lettered_before_is_skipped_when_read_again():
    queues = KeyQueues()
    queues.add(Origin("t", 0, 1), ("t", b"a"))
    assert Triage(queues, DeadLetterLimit()).before(Origin("t", 0, 1), ("t", b"a")).action == "skip"
