"""The transactional outbox: an event is a row written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from meemaken_events import jsontext
from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.envelope import Envelope
from meemaken_events.tables import json_recordset
from meemaken_events.wakeup import notify

_STAGED = ("event_id", "topic", "key", "type", "envelope")  # a staged row's columns beside its created_at


class Outbox:
    def __init__(self, table: sa.Table, events: Catalogue | None = None) -> None:
        self.table = table
        self.events = events or catalogue()
        self._statement: sa.Insert | None = None  # PostgreSQL's statement, built once

    def add(self, connection: sa.Connection, envelopes: Iterable[Envelope]) -> None:
        """Stage envelopes in the caller's open transaction; they commit (or vanish) with it, and their commit
        wakes the relay (meemaken_events.wakeup)."""
        now = datetime.now(UTC)
        rows = [
            {
                "event_id": env.id,
                "topic": self.events[env.type].topic,
                "key": env.key,
                "type": env.type,
                "envelope": env.to_json(),
                "created_at": now,
            }
            for env in envelopes
        ]
        if not rows:
            return
        if connection.dialect.name == "postgresql":
            staged = [{"position": i, **{name: row[name] for name in _STAGED}} for i, row in enumerate(rows)]
            connection.execute(self._from_json(), {"staged": jsontext.dumps(staged).decode(), "now": now})
        else:
            connection.execute(self.table.insert(), rows)
        notify(connection)

    def _from_json(self) -> sa.Insert:
        """PostgreSQL: the rows as one JSON document (json_to_recordset), inserted in their order (the relay sends
        by id, and one aggregate's events must keep theirs). An executemany ran one INSERT a row, and text arrays
        would make psycopg escape every quote of every stored envelope."""
        if self._statement is None:
            t = self.table
            staged = json_recordset(
                "staged", sa.column("position", sa.Integer()), *(sa.column(name, t.c[name].type) for name in _STAGED)
            )
            rows = sa.select(*(staged.c[name] for name in _STAGED), sa.bindparam("now", type_=t.c.created_at.type))
            self._statement = t.insert().from_select([*_STAGED, "created_at"], rows.order_by(staged.c.position))
        return self._statement

    def pending_count(self, connection: sa.Connection) -> int:
        query = sa.select(sa.func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
        return int(connection.execute(query).scalar_one())
