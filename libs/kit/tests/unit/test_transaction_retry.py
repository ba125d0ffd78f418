"""Work whose transaction collided with another runs again from the start, a few times, never after a commit and
never for an error a retry does not cure (requests on real databases: ../integration/test_transaction_retry_on_*)."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from psycopg import errors as pg

from meemaken_events.metrics import DB_RETRIES
from meemaken_kit import make_engine
from meemaken_kit.uow import FIRST_PAUSE, retrying


def deadlock() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE panels ...", {}, pg.DeadlockDetected("deadlock detected"))


def busy() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def retried(reason: str) -> float:
    return DB_RETRIES.labels(reason)._value.get()


class Flaky:
    """Fails with `error` the first `failures` times, then answers."""

    def __init__(self, failures: int, error=deadlock) -> None:  # type: ignore[no-untyped-def]
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error()
        return "done"


def test_work_that_collides_twice_runs_a_third_time_after_short_random_pauses():
    work, pauses, before = Flaky(2), [], retried("deadlock")
    assert retrying(work, 3, pause=pauses.append) == "done"
    assert work.calls == 3 and retried("deadlock") == before + 2
    assert len(pauses) == 2 and all(0 <= p <= FIRST_PAUSE * 2**i for i, p in enumerate(pauses))


def test_after_the_last_retry_the_collision_goes_on():
    work = Flaky(10, busy)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        retrying(work, 3, pause=lambda _: None)
    assert work.calls == 4


def test_an_integrity_error_is_not_retried():
    def duplicate() -> sa.exc.IntegrityError:
        return sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    work = Flaky(1, duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        retrying(work, 3, pause=lambda _: None)
    assert work.calls == 1


def test_nothing_is_retried_once_a_commit_was_sent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    calls = []

    def commits_then_collides() -> None:
        calls.append(1)
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")
        raise deadlock()

    with pytest.raises(sa.exc.OperationalError):
        retrying(commits_then_collides, 3, pause=lambda _: None)
    assert calls == [1]
