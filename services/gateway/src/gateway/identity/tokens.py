"""The tokens the gateway signs for the services, and the OAuth2 client-credentials grant.

A person's token for one service (``aud``) is signed once and reused until a minute before it
expires, as long as what it says (roles, scopes, attributes) has not changed: signing RS256 costs
about a millisecond, a dictionary lookup a microsecond. A service asks ``POST /oauth/token`` with its
name and secret (HTTP Basic) for a token limited by the kit's grants table.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from meemaken_kit.auth import Principal
from meemaken_kit.credentials import NotGranted, granted
from meemaken_kit.roles import Role
from meemaken_kit.tokens import TOKEN_SECONDS, TokenIssuer

REUSE_MARGIN_SECONDS = 60
MAX_CACHED = 20_000


class TokenMinter:
    def __init__(self, issuer: TokenIssuer, seconds: int = TOKEN_SECONDS, clock: Callable[[], float] = time.time):
        self.issuer, self.seconds, self.clock = issuer, seconds, clock
        self._cache: dict[Hashable, tuple[tuple[Any, ...], str, float]] = {}
        self._lock = threading.Lock()

    def token_for(
        self, who: Principal, audience: str, cache_key: Hashable, not_after: Callable[[], float] | None = None
    ) -> str:
        """A token saying who ``who`` is, for ``audience``; cached per (caller, audience). ``not_after`` (asked
        only when a token is signed) bounds its expiry, e.g. by the caller's own token's."""
        now = self.clock()
        claims = (who.subject, who.roles, _frozen(who.attributes), _frozen(who.role_scopes))
        key = (cache_key, audience)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == claims and cached[2] - REUSE_MARGIN_SECONDS > now:
            return cached[1]
        seconds = self.seconds if not_after is None else max(1, min(self.seconds, int(not_after() - now)))
        token = self.issuer.issue(who.subject, audience, who.roles, who.attributes, who.role_scopes, seconds=seconds)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._evict(now)
            self._cache[key] = (claims, token, now + seconds)
        return token

    def forget(self, cache_key: Hashable) -> None:
        with self._lock:
            for key in [k for k in self._cache if isinstance(k, tuple) and k[0] == cache_key]:
                del self._cache[key]

    def _evict(self, now: float) -> None:
        for key in [k for k, (_, _, expires) in self._cache.items() if expires - REUSE_MARGIN_SECONDS <= now]:
            del self._cache[key]
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()


def session_cache_key(session_key: str | None) -> Hashable:
    """Where a login session's tokens are cached (the proxy signs, logout forgets)."""
    return ("session", session_key)


def _frozen(value: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in value.items()))


class GrantRefused(Exception):
    """An RFC 6749 error: ``error`` code, HTTP status, and a description naming no secret."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class ClientCredentialsGrant:
    issuer: TokenIssuer
    secret_of: Callable[[str], str | None]
    seconds: int = TOKEN_SECONDS

    def grant(self, client_id: str, secret: str, form: Mapping[str, str]) -> dict[str, Any]:
        expected = self.secret_of(client_id) if client_id else None
        # Compare in constant time, against a stand-in when the client is unknown, so timing tells nothing.
        matches = hmac.compare_digest((expected or "\x00unknown-client").encode(), secret.encode())
        if expected is None or not matches:
            raise GrantRefused("invalid_client", "Unknown client or wrong secret.", 401)
        if form.get("grant_type") != "client_credentials":
            raise GrantRefused("unsupported_grant_type", "Only the client_credentials grant is offered here.")
        audience = form.get("audience") or form.get("resource") or ""
        if not audience:
            raise GrantRefused("invalid_request", "Name the service the token is for in `audience`.")
        try:
            scopes = granted(client_id, audience, (form.get("scope") or "").split())
        except NotGranted as exc:
            raise GrantRefused("invalid_scope", str(exc)) from None
        token = self.issuer.issue(f"service:{client_id}", audience, [Role.SERVICE], scope=scopes, seconds=self.seconds)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.seconds,
            "scope": " ".join(sorted(scopes)),
        }
