"""Who calls the proposals API in its tests: fresh gateway tokens (aud = proposals), never headers.

Tokens live minutes, so each helper makes a new one: call it per request (or per test)."""

from __future__ import annotations

import uuid
from typing import Any

from meemaken_testkit.tokens import bearer, service_bearer

MUNICIPALITY = "gent"  # the municipality of the tests' processes
RESIDENT = {"age": 34, "municipality": MUNICIPALITY, "resident": True, "district": "Noord"}

# What an outsider sends with curl: headers the services used to believe. They mean nothing now.
FORGED = [
    {"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "case_officer", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "administrator", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "service", "X-Meemaken-Actor": str(uuid.uuid4())},
]


def resident(who: uuid.UUID | str | None = None, **attrs: Any) -> dict[str, str]:
    """A resident of gent as their login verifies them (change or drop facts with `attrs`; None drops)."""
    verified = {k: v for k, v in (RESIDENT | attrs).items() if v is not None}
    return bearer("proposals", "resident", sub=who or uuid.uuid4(), attrs=verified)


def official(role: str = "case_officer", *scopes: str, who: uuid.UUID | str | None = None) -> dict[str, str]:
    """An official in `role`, municipality-wide or scoped (e.g. ``process:mobility-2027``)."""
    return bearer("proposals", role, sub=who or uuid.uuid4(), role_scopes={role: list(scopes)} if scopes else None)


def voters_reader() -> dict[str, str]:
    """The notifications service's own credential for who voted."""
    return service_bearer("notifications", "proposals", "voters:read")
