"""The inbox: remembers which events a consumer has handled, inside the handler's transaction.

Rows are kept for ``MEEMAKEN_INBOX_RETENTION_DAYS`` (default 30, ``EventSettings.inbox_retention``), longer
than any replay window (the topics keep events 7 days by default, `infra/kafka`): an event older than that is
never delivered again, so forgetting that it was handled duplicates nothing. The consumer loop prunes every 10 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events import jsontext
from meemaken_events.envelope import Envelope
from meemaken_events.tables import json_recordset


class Inbox:
    def __init__(self, table: sa.Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer
        self._statement: sa.Insert | None = None  # PostgreSQL's batch statement, built once

    def first_delivery(self, connection: sa.Connection, envelope: Envelope) -> bool:
        """Record the event as handled; False if (consumer, source, id) was handled before."""
        return bool(self.first_deliveries(connection, [envelope]))

    def first_deliveries(self, connection: sa.Connection, envelopes: list[Envelope]) -> set[tuple[str, str]]:
        """Record a batch in one statement; return the (source, id) pairs not handled before.

        rowcount is not reliable for INSERT .. ON CONFLICT on every driver; RETURNING is: it names the rows
        this statement inserted, so an event handled before (or twice in the batch) is returned at most once."""
        if not envelopes:
            return set()
        now = datetime.now(UTC)
        dialect = connection.dialect.name
        if dialect == "postgresql":
            # One statement of fixed text whatever the batch's size: the batch as one JSON document of rows, read
            # back by json_to_recordset (a VALUES row per event made psycopg build and parse a new statement every
            # batch; three text arrays cost psycopg 1.1 us an element to escape in Python, the JSON 0.2)
            batch = jsontext.dumps([{"source": e.source, "event_id": e.id, "type": e.type} for e in envelopes]).decode()
            inserted = connection.execute(self._from_json(), {"consumer": self.consumer, "now": now, "batch": batch})
            return {(source, event_id) for source, event_id in inserted}
        if dialect != "sqlite":
            raise NotImplementedError(f"inbox on {dialect} is not supported")
        rows = [
            {"consumer": self.consumer, "source": e.source, "event_id": e.id, "type": e.type, "handled_at": now}
            for e in envelopes
        ]
        # One compiled statement, executed as SQLAlchemy's batched "insertmanyvalues".
        statement = sqlite.insert(self.table).on_conflict_do_nothing()
        inserted = connection.execute(statement.returning(self.table.c.source, self.table.c.event_id), rows)
        return {(row.source, row.event_id) for row in inserted}

    def _from_json(self) -> sa.Insert:
        t = self.table
        if self._statement is None:
            batch = json_recordset(
                "batch", sa.column("source", sa.Text()), sa.column("event_id", sa.Text()), sa.column("type", sa.Text())
            )
            rows = sa.select(
                sa.bindparam("consumer", type_=t.c.consumer.type),
                batch.c.source,
                batch.c.event_id,
                batch.c.type,
                sa.bindparam("now", type_=t.c.handled_at.type),
            )
            insert = postgresql.insert(t).from_select(["consumer", "source", "event_id", "type", "handled_at"], rows)
            self._statement = insert.on_conflict_do_nothing().returning(t.c.source, t.c.event_id)
        return self._statement

    def prune(self, connection: sa.Connection, retention: timedelta, now: datetime | None = None) -> int:
        """Forget this consumer's rows handled longer ago than `retention`; how many were removed."""
        cutoff = (now or datetime.now(UTC)) - retention
        t = self.table
        gone = connection.execute(t.delete().where(t.c.consumer == self.consumer).where(t.c.handled_at < cutoff))
        return int(gone.rowcount or 0)
