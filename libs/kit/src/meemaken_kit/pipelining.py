"""Writes sent to PostgreSQL without waiting for each one's answer: psycopg's pipeline mode.

A gate batch of the challenges service ends with three writes (the challenges' save, their timers, their events
in the outbox), each one statement. Sent one at a time, the worker's one thread waits for each answer while
PostgreSQL works, then PostgreSQL waits while Python builds the next. Within ``writes_in_one_go(connection)``
each statement is sent at once and the answers are read at the end, so the two overlap.

What changes for the code within:

- a statement's errors may come later than its ``execute``: at the latest when the block ends, always as
  SQLAlchemy's exceptions (an error at the end is wrapped as ``execute`` would have wrapped it, so the consumer
  loop tells a lost connection, which it retries, from a broken constraint);
- a statement's row count is not known at its ``execute`` (SQLAlchemy reports -1 and keeps it): a write whose
  row count must be checked runs through ``counted``, whose check runs once every write of the block has been
  answered, before the block ends, so that a failed check still rolls the whole transaction back;
- nothing within may read rows it needs at once (a read waits for every answer before it: correct, but the
  writes before it are no longer overlapped).

On SQLite the statements run as usual and each check at once. A block nested in another adds nothing: the outer
one sends the writes and runs the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa

# a connection's checks to run at its block's end, while within one (not in the connection's `info`: a lost
# connection's is out of reach until it is rolled back)
_checks: WeakKeyDictionary[sa.Connection, list[Callable[[], None]]] = WeakKeyDictionary()


@contextmanager
def writes_in_one_go(connection: sa.Connection) -> Iterator[None]:
    """The statements run on ``connection`` within, sent without waiting for each one's answer (PostgreSQL);
    then ``counted``'s checks, in order."""
    if connection.dialect.name != "postgresql" or connection in _checks:
        yield
        return
    driver: Any = connection.connection.driver_connection
    checks = _checks[connection] = []
    try:
        try:
            with driver.pipeline():
                yield
        except connection.dialect.loaded_dbapi.Error as error:  # an answer read at the end: as execute raises it
            raise _as_sqlalchemy(connection.dialect, driver, error) from error
    finally:
        del _checks[connection]
    for check in checks:
        check()


def counted(
    connection: sa.Connection, statement: sa.UpdateBase, parameters: Mapping[str, Any], check: Callable[[int], None]
) -> None:
    """Run ``statement`` and give ``check`` the number of rows it changed: at once, or, within
    ``writes_in_one_go``, once every write of the block has been answered. Its parameters go to the driver as
    they are (no type of the statement may need converting them: text, numbers)."""
    checks = _checks.get(connection)
    if checks is None:
        check(connection.execute(statement, dict(parameters)).rowcount)
        return
    compiled = _compiled(statement, connection.dialect)
    driver: Any = connection.connection.driver_connection
    cursor = driver.cursor()  # SQLAlchemy's cursor result keeps the -1 it read at execute
    try:
        cursor.execute(compiled.string, compiled.construct_params(dict(parameters)))
    except connection.dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise _as_sqlalchemy(connection.dialect, driver, error, compiled.string) from error

    def answered() -> None:
        updated = cursor.rowcount
        cursor.close()
        check(updated)

    checks.append(answered)


@lru_cache(maxsize=64)
def _compiled(statement: sa.UpdateBase, dialect: sa.Dialect) -> sa.engine.Compiled:
    """A statement's text for the driver, made once (350 µs for the challenges' save)."""
    return statement.compile(dialect=dialect)


def _as_sqlalchemy(dialect: sa.Dialect, driver: Any, error: Any, statement: str | None = None) -> BaseException:
    """The driver's error as SQLAlchemy's ``execute`` raises it (a lost connection an ``OperationalError``; its
    parameters never shown: they may hold personal data)."""
    return sa.exc.DBAPIError.instance(
        statement,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=dialect.is_disconnect(error, driver, None),
        dialect=dialect,
    )
