"""Audiences: who follows a case, works a department's queue, sits on a panel."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from notifications.adapters.sql import insert_new
from notifications.adapters.tables import audiences
from notifications.domain.recipients import AudienceChange


class AudienceStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def members_of_many(self, wanted: list[tuple[list[str], str]]) -> list[list[str]]:
        """The members of each (scopes, role): the people with that role in any of the scopes, in one query for
        them all, each list by person id (as the database sorts them) and without repeats."""
        scopes = sorted({scope for scopes, _ in wanted for scope in scopes})
        if not scopes:
            return [[] for _ in wanted]
        roles = sorted({role for _, role in wanted})
        query = (
            sa.select(audiences.c.scope, audiences.c.role, audiences.c.person_id)
            .where(audiences.c.scope.in_(scopes), audiences.c.role.in_(roles))
            .order_by(audiences.c.person_id)
        )
        rows = list(self.connection.execute(query))
        found = []
        for scopes_wanted, role in wanted:
            inside = set(scopes_wanted)
            found.append(list(dict.fromkeys(r.person_id for r in rows if r.role == role and r.scope in inside)))
        return found

    def join(self, scope: str, role: str, person_id: str, now: datetime) -> None:
        insert_new(
            self.connection, audiences, [{"scope": scope, "role": role, "person_id": person_id, "added_at": now}]
        )

    def leave(self, scope: str, role: str, person_id: str) -> bool:
        deleted = self.connection.execute(
            audiences.delete().where(
                audiences.c.scope == scope, audiences.c.role == role, audiences.c.person_id == person_id
            )
        ).rowcount
        return bool(deleted)

    def of_person(self, person_id: str) -> list[sa.Row]:
        query = sa.select(audiences).where(audiences.c.person_id == person_id).order_by(audiences.c.scope)
        return list(self.connection.execute(query))

    def apply(self, changes: list[AudienceChange], now: datetime) -> None:
        for change in changes:
            if change.joined:
                self.join(change.scope, change.role, change.person_id, now)
            else:
                self.leave(change.scope, change.role, change.person_id)
