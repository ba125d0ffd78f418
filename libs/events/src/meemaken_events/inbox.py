"""The inbox: remembers which events a consumer has handled, inside the handler's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events.envelope import Envelope


class Inbox:
    def __init__(self, table: sa.Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer

    def first_delivery(self, connection: sa.Connection, envelope: Envelope) -> bool:
        """Record the event as handled; False if (consumer, source, id) was handled before."""
        values = {
            "consumer": self.consumer,
            "source": envelope.source,
            "event_id": envelope.id,
            "type": envelope.type,
            "handled_at": datetime.now(UTC),
        }
        dialect = connection.dialect.name
        if dialect == "postgresql":
            statement = postgresql.insert(self.table).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(self.table).values(values).on_conflict_do_nothing()  # type: ignore[assignment]
        else:
            raise NotImplementedError(f"inbox on {dialect} is not supported")
        # rowcount is not reliable for INSERT .. ON CONFLICT on every driver; RETURNING is.
        return connection.execute(statement.returning(self.table.c.event_id)).first() is not None
