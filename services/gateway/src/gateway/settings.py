"""The gateway's own configuration, from environment variables (secrets also from files).

Every secret is read from ``<NAME>`` or from the file named by ``<NAME>_FILE``. In development,
a secret that is not configured is made once on this machine, outside the repository (like the
kit's development signing key); ``MEEMAKEN_ENV=production`` refuses to start without it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from meemaken_kit.secrets import configured_secret, production

SERVICE_PORTS = {"proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}
SESSION_ABSOLUTE_HOURS = 8

# What a resident sends when they submit, support or vote: rate-limited per account and per address.
SUBMISSIONS = (
    ("proposals", "POST", r"v1/proposals"),
    ("proposals", "POST", r"v1/proposals/[^/]+/support"),
    ("proposals", "PUT", r"v1/rounds/[^/]+/ballot"),
    ("challenges", "POST", r"v1/challenges"),
    ("challenges", "POST", r"v1/challenges/[^/]+/submit"),
    ("panels", "POST", r"v1/panels/[^/]+/registrations"),
)


def development(env: Mapping[str, str]) -> bool:
    return not production(env)


@dataclass(frozen=True)
class OidcSettings:
    """The identity provider: found by discovery at ``issuer``; claims read through ``profile``."""

    issuer: str | None
    client_id: str
    client_secret: str | None
    scopes: str
    profile: str
    claim_overrides: Mapping[str, str] = field(default_factory=dict)
    default_roles: tuple[str, ...] | None = None
    role_organisation: str | None = None
    userinfo: bool = True

    @property
    def origin(self) -> str | None:
        if not self.issuer:
            return None
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class GatewaySettings:
    development: bool
    public_url: str
    municipality: str
    oidc: OidcSettings
    pseudonym_key: bytes
    secret_key: str
    session_idle_minutes: float  # fractions allowed (0.05 = 3 s: the browser test's idle expiry)
    session_absolute_hours: int
    services: Mapping[str, str]
    ratelimit_storage_uri: str
    ratelimit_enabled: bool
    login_limits: str
    login_account_limits: str
    submission_limits: str
    submission_address_limits: str
    token_endpoint_limits: str
    trusted_proxies: int
    proxy_timeout_seconds: float
    session_cache_seconds: float  # the pass-through's fast lane (gateway.proxy.lane); 0 turns it off
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def secure_cookies(self) -> bool:
        return not self.development

    def client_secret(self, client: str) -> str | None:
        """A service's client secret for ``POST /oauth/token`` (``<NAME>_CLIENT_SECRET`` or ``_FILE``)."""
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,40}", client):
            return None
        name = f"{client.upper().replace('-', '_')}_CLIENT_SECRET"
        return configured_secret(name, self.env, development_default=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        env = dict(os.environ if env is None else env)
        overrides = {
            key.removeprefix("MEEMAKEN_OIDC_CLAIM_").lower(): value
            for key, value in env.items()
            if key.startswith("MEEMAKEN_OIDC_CLAIM_") and value
        }
        default_roles = env.get("MEEMAKEN_OIDC_DEFAULT_ROLES")
        oidc = OidcSettings(
            issuer=(env.get("MEEMAKEN_OIDC_ISSUER") or "").rstrip("/") or None,
            client_id=env.get("MEEMAKEN_OIDC_CLIENT_ID", "meemaken-gateway"),
            client_secret=configured_secret("MEEMAKEN_OIDC_CLIENT_SECRET", env, development_default=False),
            scopes=env.get("MEEMAKEN_OIDC_SCOPES", "openid profile email"),
            profile=env.get("MEEMAKEN_OIDC_PROFILE", "keycloak"),
            claim_overrides=overrides,
            default_roles=None if default_roles is None else tuple(r for r in default_roles.split(",") if r.strip()),
            role_organisation=env.get("MEEMAKEN_OIDC_ROLE_ORGANISATION") or None,
            userinfo=env.get("MEEMAKEN_OIDC_USERINFO", "true").lower() not in ("0", "false", "no"),
        )
        services = {
            name: env.get(f"{name.upper()}_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/")
            for name, port in SERVICE_PORTS.items()
        }
        pseudonym_key = configured_secret("MEEMAKEN_PSEUDONYM_KEY", env)
        assert pseudonym_key is not None
        if not development(env) and len(pseudonym_key) < 32:
            raise RuntimeError("MEEMAKEN_PSEUDONYM_KEY must be at least 32 characters")
        secret_key = configured_secret("MEEMAKEN_GATEWAY_SECRET_KEY", env)
        assert secret_key is not None
        return cls(
            development=development(env),
            public_url=env.get("MEEMAKEN_PUBLIC_URL", "http://127.0.0.1:8100").rstrip("/"),
            municipality=env.get("MEEMAKEN_MUNICIPALITY", "demo"),
            oidc=oidc,
            pseudonym_key=pseudonym_key.encode(),
            secret_key=secret_key,
            session_idle_minutes=float(env.get("MEEMAKEN_SESSION_IDLE_MINUTES", "30")),
            session_absolute_hours=int(env.get("MEEMAKEN_SESSION_ABSOLUTE_HOURS", str(SESSION_ABSOLUTE_HOURS))),
            services=services,
            ratelimit_storage_uri=env.get("MEEMAKEN_RATELIMIT_STORAGE_URI", "memory://"),
            ratelimit_enabled=env.get("MEEMAKEN_RATELIMIT_ENABLED", "true").lower() not in ("0", "false", "no"),
            login_limits=env.get("MEEMAKEN_RATELIMIT_LOGIN", "20/minute;200/hour"),
            login_account_limits=env.get("MEEMAKEN_RATELIMIT_LOGIN_ACCOUNT", "10/minute;50/hour"),
            submission_limits=env.get("MEEMAKEN_RATELIMIT_SUBMISSIONS", "30/minute;300/hour"),
            submission_address_limits=env.get("MEEMAKEN_RATELIMIT_SUBMISSIONS_ADDRESS", "120/minute"),
            token_endpoint_limits=env.get("MEEMAKEN_RATELIMIT_TOKEN", "60/minute"),
            trusted_proxies=int(env.get("MEEMAKEN_TRUSTED_PROXIES", "0")),
            proxy_timeout_seconds=float(env.get("MEEMAKEN_PROXY_TIMEOUT_SECONDS", "30")),
            session_cache_seconds=float(env.get("MEEMAKEN_SESSION_CACHE_SECONDS", "30")),
            env=env,
        )
