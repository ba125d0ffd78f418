"""A service's own credentials for calling another service, with the narrowest scope.

Which service may ask which other for what is one table, :data:`SERVICE_GRANTS`; the gateway's token
endpoint (``POST /oauth/token``, OAuth2 client credentials, HTTP Basic with the service's name and its
secret) issues nothing beyond it. A caller's settings name ``MEEMAKEN_TOKEN_URL`` and
``<SERVICE>_CLIENT_SECRET`` (or ``_FILE``); the token is cached until shortly before it expires. In development,
without ``MEEMAKEN_TOKEN_URL``, the token is signed locally with the development key (refused in
production), so tests and ``make run`` without a gateway still call each other with narrow tokens.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable

from meemaken_kit.config import Settings
from meemaken_kit.roles import Role
from meemaken_kit.tokens import TokenIssuer, refused

# caller -> audience -> the scopes it may hold there. ``scraper`` is Prometheus.
SERVICE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    "panels": {"notifications": frozenset({"contacts:write"})},
    "notifications": {"proposals": frozenset({"voters:read"})},
    "scraper": {
        name: frozenset({"metrics:read"}) for name in ("proposals", "challenges", "panels", "notifications", "gateway")
    },
}


class NotGranted(Exception):
    """A service asked for a scope that the grants table does not give it."""


def granted(caller: str, audience: str, scopes: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(scopes)
    allowed = SERVICE_GRANTS.get(caller, {}).get(audience, frozenset())
    if not wanted or not wanted <= allowed:
        raise NotGranted(f"{caller} may not hold {' '.join(sorted(wanted - allowed)) or 'nothing'} at {audience}")
    return wanted


class ServiceCredentials:
    def __init__(
        self,
        service: str,
        token_url: str | None = None,
        secret: str | None = None,
        issuer: TokenIssuer | None = None,
    ) -> None:
        self.service = service
        self.token_url = token_url
        self.secret = secret
        self._issuer = issuer
        self._cache: dict[tuple[str, frozenset[str]], tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, settings: Settings) -> ServiceCredentials:
        """The service's credentials from its settings: the gateway's token endpoint and the service's secret
        (both checked at start), or in development, without a token endpoint, tokens signed locally."""
        if settings.token_url:  # set for every service (compose, the images): only a caller needs its secret
            if settings.service_secret is None:
                name = f"{settings.service.upper().replace('-', '_')}_CLIENT_SECRET"
                raise refused(settings, f"MEEMAKEN_TOKEN_URL is set: {name} (or {name}_FILE) must be too")
            return cls(settings.service, settings.token_url, settings.service_secret.get_secret_value())
        if settings.production:
            raise refused(settings, "MEEMAKEN_ENV=production needs MEEMAKEN_TOKEN_URL and the service's client secret")
        return cls(settings.service, issuer=TokenIssuer.configured(settings))

    def headers(self, audience: str, *scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(audience, scopes)}"}

    def token(self, audience: str, scopes: Iterable[str]) -> str:
        key = (audience, granted(self.service, audience, scopes))
        with self._lock:
            cached = self._cache.get(key)
            if cached and cached[1] > time.monotonic() + 30:
                return cached[0]
            token, lifetime = self._fetch(*key)
            self._cache[key] = (token, time.monotonic() + lifetime)
            return token

    def _fetch(self, audience: str, scopes: frozenset[str]) -> tuple[str, float]:
        if not self.token_url:
            issuer = self._issuer or TokenIssuer.configured()
            seconds = 300
            token = issuer.issue(f"service:{self.service}", audience, [Role.SERVICE], scope=scopes, seconds=seconds)
            return token, seconds
        body = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "audience": audience, "scope": " ".join(sorted(scopes))}
        ).encode()
        basic = base64.b64encode(f"{self.service}:{self.secret}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the configured token endpoint)
            self.token_url,
            body,
            {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            answer = json.load(response)
        return str(answer["access_token"]), float(answer.get("expires_in", 60))
