"""The gateway's settings: the shared ones (meemaken_kit.config) and its own, read once at start.

Every secret is read from ``<NAME>`` or from the file named by ``<NAME>_FILE``. In development,
a secret that is not configured is made once on this machine, outside the repository (like the
kit's development signing key); ``MEEMAKEN_ENV=production`` refuses to start without it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import PrivateAttr, SecretStr, field_validator, model_validator

from meemaken_kit.config import Settings, variable
from meemaken_kit.secrets import configured_secret, development_secret

SERVICE_PORTS = {"proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}
SESSION_ABSOLUTE_HOURS = 8
CLAIM_PREFIX = "MEEMAKEN_OIDC_CLAIM_"
MADE_IN_DEVELOPMENT = ("MEEMAKEN_PSEUDONYM_KEY", "MEEMAKEN_GATEWAY_SECRET_KEY")

# What a resident sends when they submit, support or vote: rate-limited per account and per address.
SUBMISSIONS = (
    ("proposals", "POST", r"v1/proposals"),
    ("proposals", "POST", r"v1/proposals/[^/]+/support"),
    ("proposals", "PUT", r"v1/rounds/[^/]+/ballot"),
    ("challenges", "POST", r"v1/challenges"),
    ("challenges", "POST", r"v1/challenges/[^/]+/submit"),
    ("panels", "POST", r"v1/panels/[^/]+/registrations"),
)


@dataclass(frozen=True)
class OidcSettings:
    """The identity provider: found by discovery at ``issuer``; claims read through ``profile``."""

    issuer: str | None
    client_id: str
    client_secret: str | None = field(repr=False)
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


def _url(name: str, default: str, description: str) -> Any:
    return variable(name, default, description, min_length=1)


class GatewaySettings(Settings, service="gateway"):
    signs_tokens: ClassVar[bool] = True
    public_url: str = _url(
        "MEEMAKEN_PUBLIC_URL",
        "http://127.0.0.1:8100",
        "the gateway's address as browsers see it (redirect URIs are built from it, never `Host`)",
    )
    municipality: str = variable(
        "MEEMAKEN_MUNICIPALITY",
        "demo",
        "the municipality this gateway serves (`resident` attribute, pseudonyms)",
        min_length=1,
    )
    pseudonym_secret: SecretStr | None = variable(
        "MEEMAKEN_PSEUDONYM_KEY",
        None,
        "the key of the pseudonymous ids (32+ characters in production; development: made once in ~/.cache/meemaken)",
    )
    session_secret: SecretStr | None = variable(
        "MEEMAKEN_GATEWAY_SECRET_KEY", None, "signs the CSRF tokens (development: made once)"
    )
    oidc_issuer: str = variable(
        "MEEMAKEN_OIDC_ISSUER",
        "",
        "the identity provider (discovery at `<issuer>/.well-known/openid-configuration`); empty: no login",
    )
    oidc_client_id: str = variable("MEEMAKEN_OIDC_CLIENT_ID", "meemaken-gateway", "the gateway's client there")
    oidc_client_secret: SecretStr | None = variable(
        "MEEMAKEN_OIDC_CLIENT_SECRET", None, "its secret there (none: a public client)"
    )
    oidc_scopes: str = variable("MEEMAKEN_OIDC_SCOPES", "openid profile email", "the scopes asked for")
    oidc_profile: str = variable(
        "MEEMAKEN_OIDC_PROFILE", "keycloak", "claim mapping: `keycloak`, `acm-idm`, `nl-broker` (docs/identity.md)"
    )
    oidc_claim_overrides: dict[str, str] = variable(
        f"{CLAIM_PREFIX}<CLAIM>", {}, "rename one claim (`..._CLAIM_ROLES=realm_access.roles`); default: the profile's"
    )
    oidc_default_roles: str | None = variable(
        "MEEMAKEN_OIDC_DEFAULT_ROLES",
        None,
        "roles everyone who logs in holds, comma-separated (set empty: none); unset: the profile's",
    )
    oidc_role_organisation: str = variable(
        "MEEMAKEN_OIDC_ROLE_ORGANISATION", "", "ACM/IDM 3D roles count only for this organisation"
    )
    oidc_userinfo: bool = variable("MEEMAKEN_OIDC_USERINFO", True, "also read the userinfo endpoint")
    proposals_base_url: str = _url("PROPOSALS_BASE_URL", "http://127.0.0.1:8101", "the proposals API")
    challenges_base_url: str = _url("CHALLENGES_BASE_URL", "http://127.0.0.1:8102", "the challenges API")
    panels_base_url: str = _url("PANELS_BASE_URL", "http://127.0.0.1:8103", "the panels API")
    notifications_base_url: str = _url("NOTIFICATIONS_BASE_URL", "http://127.0.0.1:8104", "the notifications API")
    session_idle_minutes: float = variable(
        "MEEMAKEN_SESSION_IDLE_MINUTES", 30.0, "a session ends after this long unused (fractions allowed)", gt=0
    )
    session_absolute_hours: int = variable(
        "MEEMAKEN_SESSION_ABSOLUTE_HOURS", SESSION_ABSOLUTE_HOURS, "a session ends this long after login", ge=1
    )
    session_cache_seconds: float = variable(
        "MEEMAKEN_SESSION_CACHE_SECONDS",
        30.0,
        "how long a worker's fast lane trusts a session it checked (0: off)",
        ge=0,
    )
    session_purge_interval: float = variable(
        "GATEWAY_SESSION_PURGE_INTERVAL",
        300.0,
        "seconds between the worker's deletions of ended sessions and expired closed cases",
        gt=0,
    )
    deadline_alert_interval: float = variable(
        "GATEWAY_DEADLINE_ALERT_INTERVAL", 60.0, "seconds between the worker's looks for deadline crossings", gt=0
    )
    ratelimit_storage_uri: str = _url(
        "MEEMAKEN_RATELIMIT_STORAGE_URI", "memory://", "the rate limits' storage (`redis://...` for several processes)"
    )
    ratelimit_enabled: bool = variable("MEEMAKEN_RATELIMIT_ENABLED", True, "rate limits on (off for benchmarks only)")
    login_limits: str = variable(
        "MEEMAKEN_RATELIMIT_LOGIN", "20/minute;200/hour", "logins per address (docs/identity.md)"
    )
    login_account_limits: str = variable("MEEMAKEN_RATELIMIT_LOGIN_ACCOUNT", "10/minute;50/hour", "per account")
    submission_limits: str = variable(
        "MEEMAKEN_RATELIMIT_SUBMISSIONS", "30/minute;300/hour", "submissions, per account"
    )
    submission_address_limits: str = variable(
        "MEEMAKEN_RATELIMIT_SUBMISSIONS_ADDRESS", "120/minute", "submissions per address"
    )
    token_endpoint_limits: str = variable("MEEMAKEN_RATELIMIT_TOKEN", "60/minute", "POST /oauth/token per address")
    trusted_proxies: int = variable(
        "MEEMAKEN_TRUSTED_PROXIES", 0, "how many reverse proxies set X-Forwarded-For/-Proto in front", ge=0
    )
    proxy_timeout_seconds: float = variable(
        "MEEMAKEN_PROXY_TIMEOUT_SECONDS", 30.0, "how long a service may take to answer", gt=0
    )
    casework_retention_days: float = variable(
        "CASEWORK_RETENTION_DAYS",
        7 * 365 + 2,  # seven years, with their leap days (the gateway's README)
        "days a closed case is kept after its last event (at least MEEMAKEN_INBOX_RETENTION_DAYS)",
        gt=0,
    )
    theme_file: Path | None = variable(
        "MEEMAKEN_THEME_FILE", None, "the portal's look: name, logo, colours; default src/gateway/theme/tokens.json"
    )
    population_file: Path | None = variable(
        "MEEMAKEN_POPULATION_FILE",
        None,
        "residents per district, age band and gender for the reports; default src/gateway/theme/population.json",
    )
    _env: Mapping[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_env(cls, service: str | Mapping[str, str] = "gateway", env: Mapping[str, str] | None = None) -> Self:
        """``GatewaySettings.from_env(env)`` too: the gateway's settings from ``env`` (default: the process's)."""
        if isinstance(service, str):
            name, given = service, env
        else:
            name, given = "gateway", service
        read = dict(os.environ if given is None else given)
        settings = super().from_env(name, read)
        settings._env = read
        return settings

    @classmethod
    def environment_values(cls, service: str, env: Mapping[str, str]) -> dict[str, Any]:
        values = super().environment_values(service, env)
        values[f"{CLAIM_PREFIX}<CLAIM>"] = {
            key.removeprefix(CLAIM_PREFIX).lower(): value
            for key, value in env.items()
            if key.startswith(CLAIM_PREFIX) and value
        }
        if "MEEMAKEN_OIDC_DEFAULT_ROLES" in env:  # set empty: nobody gets a role by default
            values["MEEMAKEN_OIDC_DEFAULT_ROLES"] = env["MEEMAKEN_OIDC_DEFAULT_ROLES"]
        if env.get("MEEMAKEN_ENV", "").strip().lower() != "production":
            for name in MADE_IN_DEVELOPMENT:
                values.setdefault(name, development_secret(name, env))
        return values

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secrets_in_production(self) -> Self:
        for name, secret in zip(MADE_IN_DEVELOPMENT, (self.pseudonym_secret, self.session_secret), strict=True):
            if secret is None:
                raise ValueError(f"MEEMAKEN_ENV=production needs {name} or {name}_FILE")
        if self.production and self.signing_keys_file is None:
            raise ValueError("MEEMAKEN_ENV=production needs MEEMAKEN_SIGNING_KEYS_FILE (a JWKS with private keys)")
        if self.production and len(self.pseudonym_key) < 32:
            raise ValueError("MEEMAKEN_PSEUDONYM_KEY must be at least 32 characters")
        if self.casework_retention_days < self.inbox_retention_days:  # an event may come again until then
            raise ValueError(
                f"CASEWORK_RETENTION_DAYS is at least the inbox's retention, {self.inbox_retention_days:g} days"
            )
        return self

    @property
    def env(self) -> Mapping[str, str]:
        """The environment read at start, for the secrets of clients whose names no field can list."""
        return self._env

    @property
    def casework_retention(self) -> timedelta:
        return timedelta(days=self.casework_retention_days)

    @property
    def development(self) -> bool:
        return not self.production

    @property
    def secure_cookies(self) -> bool:
        return not self.development

    @property
    def pseudonym_key(self) -> bytes:
        assert self.pseudonym_secret is not None
        return self.pseudonym_secret.get_secret_value().encode()

    @property
    def secret_key(self) -> str:
        assert self.session_secret is not None
        return self.session_secret.get_secret_value()

    @property
    def services(self) -> Mapping[str, str]:
        return {
            "proposals": self.proposals_base_url.rstrip("/"),
            "challenges": self.challenges_base_url.rstrip("/"),
            "panels": self.panels_base_url.rstrip("/"),
            "notifications": self.notifications_base_url.rstrip("/"),
        }

    @property
    def oidc(self) -> OidcSettings:
        roles = self.oidc_default_roles
        return OidcSettings(
            issuer=self.oidc_issuer.rstrip("/") or None,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret.get_secret_value() if self.oidc_client_secret else None,
            scopes=self.oidc_scopes,
            profile=self.oidc_profile,
            claim_overrides=self.oidc_claim_overrides,
            default_roles=None if roles is None else tuple(r for r in roles.split(",") if r.strip()),
            role_organisation=self.oidc_role_organisation or None,
            userinfo=self.oidc_userinfo,
        )

    def client_secret(self, client: str) -> str | None:
        """A service's client secret for ``POST /oauth/token`` (``<NAME>_CLIENT_SECRET`` or ``_FILE``)."""
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,40}", client):
            return None
        name = f"{client.upper().replace('-', '_')}_CLIENT_SECRET"
        return configured_secret(name, self.env, development_default=False)
