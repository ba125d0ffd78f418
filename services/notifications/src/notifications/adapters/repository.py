"""In-app messages in and out of the database."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa

from notifications.adapters.tables import messages
from notifications.domain.messages import Message


class MessageRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(self, message: Message) -> None:
        self.connection.execute(messages.insert().values(**vars(message)))

    def for_recipient(self, recipient_id: UUID, unread_only: bool, limit: int, offset: int) -> list[Message]:
        query = (
            sa.select(messages)
            .where(messages.c.recipient_id == recipient_id)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .limit(limit)
            .offset(offset)
        )
        if unread_only:
            query = query.where(messages.c.read_at.is_(None))
        return [_message(row) for row in self.connection.execute(query)]

    def unread_count(self, recipient_id: UUID) -> int:
        query = sa.select(sa.func.count()).where(messages.c.recipient_id == recipient_id, messages.c.read_at.is_(None))
        return int(self.connection.execute(query).scalar_one())

    def mark_read(self, recipient_id: UUID, message_id: UUID) -> Message | None:
        """Mark read (once: a second call keeps the first time); None if no such message."""
        self.connection.execute(
            messages.update()
            .where(messages.c.id == message_id, messages.c.recipient_id == recipient_id, messages.c.read_at.is_(None))
            .values(read_at=datetime.now(UTC))
        )
        row = self.connection.execute(
            sa.select(messages).where(messages.c.id == message_id, messages.c.recipient_id == recipient_id)
        ).first()
        return _message(row) if row else None

    def forget(self, recipient_id: UUID) -> int:
        """Delete every message of one recipient (their right to erasure); how many there were."""
        return int(self.connection.execute(messages.delete().where(messages.c.recipient_id == recipient_id)).rowcount)


def _message(row: sa.Row) -> Message:
    return Message(**{column: getattr(row, column) for column in messages.c.keys()})
