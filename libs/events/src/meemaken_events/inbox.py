"""The inbox: remembers which events a consumer has handled, inside the handler's transaction.

Rows are kept for ``MEEMAKEN_INBOX_RETENTION_DAYS`` (default 30), longer than any replay window (the
topics keep events 7 days by default, `infra/kafka`): an event older than that is never delivered
again, so forgetting that it was handled duplicates nothing. The consumer loop prunes every 10 minutes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events.envelope import Envelope

DEFAULT_RETENTION_DAYS = 30


def retention_from_env(env: dict[str, str] | None = None) -> timedelta:
    """The inbox's retention: at least one day, whatever the configuration says."""
    raw = (env if env is not None else os.environ).get("MEEMAKEN_INBOX_RETENTION_DAYS", "")
    try:
        days = float(raw) if raw.strip() else DEFAULT_RETENTION_DAYS
    except ValueError:
        raise ValueError(f"MEEMAKEN_INBOX_RETENTION_DAYS is a number of days, not {raw!r}") from None
    if not days >= 1:
        raise ValueError("MEEMAKEN_INBOX_RETENTION_DAYS is at least 1 (longer than any replay window)")
    return timedelta(days=days)


class Inbox:
    def __init__(self, table: sa.Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer

    def first_delivery(self, connection: sa.Connection, envelope: Envelope) -> bool:
        """Record the event as handled; False if (consumer, source, id) was handled before."""
        return bool(self.first_deliveries(connection, [envelope]))

    def first_deliveries(self, connection: sa.Connection, envelopes: list[Envelope]) -> set[tuple[str, str]]:
        """Record a batch in one statement; return the (source, id) pairs not handled before."""
        if not envelopes:
            return set()
        now = datetime.now(UTC)
        rows = [
            {"consumer": self.consumer, "source": e.source, "event_id": e.id, "type": e.type, "handled_at": now}
            for e in envelopes
        ]
        dialect = connection.dialect.name
        if dialect == "postgresql":
            statement = postgresql.insert(self.table).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(self.table).on_conflict_do_nothing()  # type: ignore[assignment]
        else:
            raise NotImplementedError(f"inbox on {dialect} is not supported")
        # rowcount is not reliable for INSERT .. ON CONFLICT on every driver; RETURNING is. One compiled
        # statement, executed as SQLAlchemy's batched "insertmanyvalues".
        inserted = connection.execute(statement.returning(self.table.c.source, self.table.c.event_id), rows)
        return {(row.source, row.event_id) for row in inserted}

    def prune(self, connection: sa.Connection, retention: timedelta, now: datetime | None = None) -> int:
        """Forget this consumer's rows handled longer ago than `retention`; how many were removed."""
        cutoff = (now or datetime.now(UTC)) - retention
        t = self.table
        gone = connection.execute(t.delete().where(t.c.consumer == self.consumer).where(t.c.handled_at < cutoff))
        return int(gone.rowcount or 0)
