"""Who is asking: the gateway passes the logged-in person in X-Meemaken-Actor and their role in
X-Meemaken-Role. A resident manages their own contact; administrators (ops) see the delivery log and
print letters; officials manage queues and case audiences; another service may import contacts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request
from werkzeug.exceptions import BadRequest, Forbidden

from notifications.entrypoints.schemas import PERSON_ID

ROLES = ("resident", "official", "assessor", "coordinator", "administrator", "service", "public")


@dataclass(frozen=True)
class Actor:
    id: str | None
    role: str

    @property
    def ops(self) -> bool:
        return self.role == "administrator"


def actor() -> Actor:
    role = request.headers.get("X-Meemaken-Role", "public")
    raw = request.headers.get("X-Meemaken-Actor")
    if role not in ROLES:
        raise BadRequest(f"X-Meemaken-Role must be one of {', '.join(ROLES)}")
    if raw is not None and not re.match(PERSON_ID, raw):
        raise BadRequest("X-Meemaken-Actor must be a UUID or a panel pseudonym")
    return Actor(raw.lower() if raw else None, role)


def require_self_or(person_id: str, *roles: str) -> Actor:
    who = actor()
    if who.id == person_id.lower() or who.role in roles:
        return who
    raise Forbidden("Only the person themselves (or an administrator) may do this.")


def require(*roles: str) -> Actor:
    who = actor()
    if who.role not in roles:
        raise Forbidden(f"This needs one of these roles: {', '.join(roles)}.")
    return who
