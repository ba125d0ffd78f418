"""Which database failures a retry of the whole transaction cures: SQLite busy, PostgreSQL 40001 and 40P01 only."""

import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg

from meemaken_events.errors import is_transient, transient_reason


def wrapped(orig: Exception, kind: type[sa.exc.DBAPIError] = sa.exc.OperationalError) -> sa.exc.DBAPIError:
    """As SQLAlchemy raises a driver's error."""
    return kind("UPDATE proposals SET ...", {}, orig)


def real_busy_error(tmp_path) -> sqlite3.OperationalError:
    """SQLite's own: another connection holds the write lock and this one may not wait."""
    holder = sqlite3.connect(tmp_path / "busy.sqlite", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(tmp_path / "busy.sqlite", timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("BEGIN IMMEDIATE")
        return caught.value
    finally:
        other.close()
        holder.execute("ROLLBACK")
        holder.close()


def test_sqlite_busy_is_transient_raw_and_wrapped(tmp_path):
    busy = real_busy_error(tmp_path)
    assert str(busy) == "database is locked"
    assert transient_reason(busy) == transient_reason(wrapped(busy)) == "sqlite_busy"
    assert transient_reason(wrapped(sqlite3.OperationalError("database is busy"))) == "sqlite_busy"


def test_postgresql_serialization_failure_and_deadlock_are_transient():
    assert transient_reason(wrapped(pg.SerializationFailure("could not serialize access"))) == "serialization_failure"
    assert transient_reason(wrapped(pg.DeadlockDetected("deadlock detected"))) == "deadlock"


def test_a_transient_error_raised_from_a_domain_error_is_still_transient():
    try:
        try:
            raise wrapped(pg.DeadlockDetected("deadlock detected"))
        except sa.exc.OperationalError as exc:
            raise LookupError("the panel could not be saved") from exc
    except LookupError as domain:
        assert is_transient(domain)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.IntegrityError("UNIQUE constraint failed: proposals.id"), sa.exc.IntegrityError),
        wrapped(pg.UniqueViolation("duplicate key value"), sa.exc.IntegrityError),
        wrapped(pg.LockNotAvailable("could not obtain lock"), sa.exc.OperationalError),  # NOWAIT: a decision
        wrapped(psycopg.OperationalError("server closed the connection unexpectedly")),  # an effect may have landed
        wrapped(sqlite3.OperationalError("no such table: proposals")),
        sa.exc.TimeoutError("QueuePool limit reached"),
        ValueError("database is locked"),  # the words alone are not SQLite's error
    ],
    ids=["sqlite-integrity", "pg-unique", "pg-nowait", "connection-lost", "sqlite-schema", "pool-timeout", "value"],
)
def test_other_errors_are_not_transient(error):
    assert transient_reason(error) is None and not is_transient(error)
