"""Who acts: the gateway says who (a pseudonymous id) and in which role; the use cases check it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

ROLES = ("resident", "official", "service", "public")


class Forbidden(Exception):
    """The actor may not do this."""


class NotFound(Exception):
    """There is no such thing (or the actor may not know it exists)."""


@dataclass(frozen=True)
class Actor:
    id: UUID | None
    role: str = "public"

    def must_be(self, *roles: str) -> UUID:
        if self.role not in roles or self.id is None:
            raise Forbidden(f"this needs the role {' or '.join(roles)}")
        return self.id
