"""The inbox: remembers which events a consumer has handled, inside the handler's transaction.

Rows are kept for ``MEEMAKEN_INBOX_RETENTION_DAYS`` (default 30, ``EventSettings.inbox_retention``), longer
than any replay window (the topics keep events 7 days by default, `infra/kafka`): an event older than that is
never delivered again, so forgetting that it was handled duplicates nothing. The consumer loop prunes every 10 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events.envelope import Envelope


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
