"""The contact store: addresses and preferences per person, read when a message is planned or sent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from notifications.adapters.tables import contacts
from notifications.domain.people import Contact, Preferences


class ContactStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def get(self, person_id: str) -> Contact | None:
        return self.many([person_id]).get(person_id)

    def many(self, person_ids: Iterable[str]) -> dict[str, Contact]:
        ids = list(dict.fromkeys(person_ids))
        found: dict[str, Contact] = {}
        for start in range(0, len(ids), 5000):
            query = sa.select(contacts).where(contacts.c.person_id.in_(ids[start : start + 5000]))
            found.update((row.person_id, _contact(row)) for row in self.connection.execute(query))
        return found

    def put(self, contact: Contact, now: datetime) -> None:
        p = contact.preferences
        values = {
            "email": contact.email,
            "postal_address": list(contact.postal_address),
            "language": p.language,
            "channels": list(p.channels),
            "digest": p.digest,
            "muted_topics": list(p.muted_topics),
            "updated_at": now,
        }
        updated = self.connection.execute(
            contacts.update().where(contacts.c.person_id == contact.person_id).values(**values)
        ).rowcount
        if not updated:
            self.connection.execute(contacts.insert().values(person_id=contact.person_id, **values))

    def delete(self, person_id: str) -> bool:
        return bool(self.connection.execute(contacts.delete().where(contacts.c.person_id == person_id)).rowcount)


def _contact(row: sa.Row) -> Contact:
    preferences = Preferences(row.language, tuple(row.channels), row.digest, tuple(row.muted_topics))
    return Contact(row.person_id, row.email, tuple(row.postal_address), preferences)
