"""How a consumer tells the loop what kind of failure it met, and which database failures a retry cures."""

import sqlite3


class TransientError(Exception):
    """Worth retrying later: a database restart, a lock timeout, a broker hiccup.

    The consumer loop rolls the batch back, waits (bounded exponential backoff) and
    reads the same message again; it never skips it.
    """


class PoisonMessage(Exception):
    """This message can never be handled as it is: it goes to the dead-letter topic."""


class InvalidEvent(PoisonMessage):
    """The envelope or its data does not follow the catalogue."""


class UnknownEventType(InvalidEvent):
    """No schema for this type in the catalogue."""


# Why running a failed transaction again from the start cures it (the label of meemaken_db_retries_total).
SQLITE_BUSY, SERIALIZATION_FAILURE, DEADLOCK = "sqlite_busy", "serialization_failure", "deadlock"
_SQLSTATES = {"40001": SERIALIZATION_FAILURE, "40P01": DEADLOCK}
_SQLITE_CODES = {5: SQLITE_BUSY, 6: SQLITE_BUSY}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
_SQLITE_MESSAGES = ("database is locked", "database is busy", "database table is locked")


def transient_reason(exc: BaseException) -> str | None:
    """Why a retry of the whole transaction cures ``exc``, or None when it does not.

    Only the database's own "you collided with another transaction, try again": SQLite's busy/locked (another
    process held the lock past the busy timeout), PostgreSQL's SQLSTATE 40001 (serialization_failure) and 40P01
    (deadlock_detected); the server rolled the transaction back, nothing of it was written. Raw DB-API errors
    and SQLAlchemy's wrappers (``.orig``) alike, and along the ``raise ... from`` chain. An integrity error, a
    lost connection or a timeout is not one of them (a retry would repeat the error or may repeat an effect).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _reason_of(getattr(current, "orig", None) or current)
        if reason is not None:
            return reason
        current = current.__cause__
    return None


def is_transient(exc: BaseException) -> bool:
    """A failure a retry of the whole transaction cures (see ``transient_reason``): the HTTP requests' retry
    (``meemaken_kit.uow``) and the consumer loop (which re-delivers, never dead-letters, it) ask this."""
    return transient_reason(exc) is not None


def _reason_of(error: BaseException) -> str | None:
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)  # psycopg 3, psycopg2
    if isinstance(sqlstate, str):
        return _SQLSTATES.get(sqlstate)
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return _SQLITE_CODES.get(code & 0xFF)
        return SQLITE_BUSY if str(error).startswith(_SQLITE_MESSAGES) else None
    return None
