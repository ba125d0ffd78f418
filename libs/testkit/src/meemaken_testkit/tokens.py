"""Bearer tokens for tests, signed as the gateway signs them (with this machine's development key).

    headers = bearer("proposals", "resident", attrs={"age": 34, "municipality": "demo", "resident": True})
    client.post("/api/v1/proposals", json=..., headers=headers)

Every call names the audience: a token for one service is refused by another.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from meemaken_kit.tokens import TokenIssuer

RESIDENT_ATTRS: dict[str, Any] = {"age": 34, "municipality": "demo", "resident": True, "district": "centrum"}


def token(
    audience: str | Iterable[str],
    *roles: str,
    sub: str | uuid.UUID | None = None,
    attrs: Mapping[str, Any] | None = None,
    role_scopes: Mapping[str, Iterable[str]] | None = None,
    scope: Iterable[str] = (),
    seconds: int = 300,
) -> str:
    """A token for ``audience`` with ``roles`` (default resident, with a resident's verified attributes)."""
    roles = roles or ("resident",)
    if attrs is None and "resident" in roles:
        attrs = RESIDENT_ATTRS
    return TokenIssuer.configured().issue(
        str(sub or uuid.uuid4()), audience, roles, attrs or {}, role_scopes, scope, seconds
    )


def bearer(audience: str | Iterable[str], *roles: str, **options: Any) -> dict[str, str]:
    """``{"Authorization": "Bearer ..."}`` for ``token(audience, *roles, **options)``."""
    return {"Authorization": f"Bearer {token(audience, *roles, **options)}"}


def service_bearer(caller: str, audience: str, *scopes: str) -> dict[str, str]:
    """What a service sends with its own credentials (development: signed locally)."""
    from meemaken_kit.credentials import ServiceCredentials

    return ServiceCredentials(caller).headers(audience, *scopes)
