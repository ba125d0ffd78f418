"""Configuration: one typed settings object per service, read from the environment once, at start.

``Settings`` holds what every service shares; each service subclasses it with its own fields in
``<service>/settings.py`` (``class ProposalsSettings(Settings, service="proposals")``), and
``Settings.from_env("proposals")`` gives that subclass. Every field names its variable (its alias);
``docs/configuration.md`` is the table of them all (``python tools/settings_table.py`` writes it).

``<SERVICE>_DATABASE_URL`` wins over ``DATABASE_URL`` so one shell can run every service
(``make run`` does); without either, the service keeps an SQLite file under
``MEEMAKEN_DATA_DIR`` (the embedded default for running on one machine, not for production).
A secret (``SecretStr``) is ``NAME`` or the contents of the file ``NAME_FILE`` names (a mounted secret).
An empty variable is the same as an unset one. A wrong value stops the process at start with one line
naming the variable and what it expects (``ConfigurationError``), never a traceback in a request.

Read elsewhere because a library reads them itself: the other ``OTEL_*`` (the OpenTelemetry SDK's exporters'
headers, timeouts, sampler; the fields above decide whether and where to trace), ``PROMETHEUS_MULTIPROC_DIR``
(prometheus_client, at import), ``WEB_CONCURRENCY`` (meemaken_kit.serve: the API's processes).
"""

from __future__ import annotations

import importlib
import importlib.util
import typing
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import FilePath, SecretStr, field_validator, model_validator

from meemaken_events.settings import (
    SERVICE,
    ConfigurationError,
    EventSettings,
    explained,
    names,
    read_environment,
    secret,
    variable,
)
from meemaken_kit import deadlines

__all__ = [
    "SERVICE",
    "ConfigurationError",
    "EventSettings",
    "Settings",
    "explained",
    "names",
    "read_environment",
    "secret",
    "variable",
]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
EXPORTERS = ("otlp", "zipkin", "console")  # the span exporters meemaken_kit.tracing sets up


class Settings(EventSettings):
    """What every service shares (the first rows of ``docs/configuration.md``), the event settings included."""

    by_service: ClassVar[dict[str, type[Settings]]] = {}
    signs_tokens: ClassVar[bool] = False  # the gateway: checks tokens with its own keys, not a JWKS from elsewhere

    service: str
    environment: Literal["development", "production"] = variable(
        "MEEMAKEN_ENV",
        "development",
        "`production` refuses development keys, secrets and defaults (gateway: `Secure` cookies, HSTS)",
    )
    data_dir: Path = variable("MEEMAKEN_DATA_DIR", Path(".run/data"), "where the embedded SQLite files live")
    database_url: str = variable(
        f"{SERVICE}_DATABASE_URL|DATABASE_URL",
        "",
        "the service's database (the first wins); empty: an SQLite file `<service>.sqlite` under MEEMAKEN_DATA_DIR",
    )
    database_pool_size: int = variable("DATABASE_POOL_SIZE", 10, "PostgreSQL connections each process keeps", ge=1)
    database_max_overflow: int = variable(
        "DATABASE_MAX_OVERFLOW", 10, "more PostgreSQL connections each process may open in bursts", ge=0
    )
    db_retries: int = variable(
        "MEEMAKEN_DB_RETRIES",
        3,
        "times a request's transactions run again after colliding with another one (SQLite busy, PostgreSQL "
        "serialization failure or deadlock) before it answers 503; 0: never",
        ge=0,
        le=10,
    )
    event_source_prefix: str = variable(
        "MEEMAKEN_EVENT_SOURCE_PREFIX",
        "urn:meemaken:municipality:demo:system",
        "the URN naming the municipality in every event's `source`",
        min_length=1,
    )
    log_level: LogLevel = variable("LOG_LEVEL", "INFO", "JSON logs on stderr from this level up")
    max_content_length: int = variable(
        "MEEMAKEN_MAX_CONTENT_LENGTH", 1024 * 1024, "largest accepted request body (bytes)", ge=1
    )
    bind: str = variable(
        f"{SERVICE}_BIND",
        "",
        "host:port where the API listens; empty: its loopback port",
        pattern=r"^(\S*:\d{1,5})?$",
    )
    threads: int = variable(
        f"{SERVICE}_THREADS",
        16,
        "threads per API process (Granian)",
        ge=1,
    )
    worker_metrics_bind: str = variable(
        f"{SERVICE}_WORKER_METRICS_BIND", "", "host:port of the worker's /metrics and /healthz; empty: none"
    )
    token_issuer: str = variable(
        "MEEMAKEN_TOKEN_ISSUER",
        "",
        "the gateway's issuer URL, in every token it signs and every service checks (production: required); "
        "empty: the development issuer",
    )
    jwks_url: str = variable(
        "MEEMAKEN_JWKS_URL",
        "",
        "the gateway's `/.well-known/jwks.json`, its public keys (production: it or the file)",
    )
    jwks_file: FilePath | None = variable("MEEMAKEN_JWKS_FILE", None, "or those keys in a file")
    signing_keys_file: FilePath | None = variable(
        "MEEMAKEN_SIGNING_KEYS_FILE",
        None,
        "the gateway's signing keys: a JWKS with private keys, the first signs (production: required at the gateway)",
    )
    development_key_file: Path | None = variable(
        "MEEMAKEN_DEV_KEY_FILE",
        None,
        "development only: the signing key made once on this machine; default `$XDG_CACHE_HOME/meemaken/...`",
    )
    token_url: str = variable(
        "MEEMAKEN_TOKEN_URL", "", "the gateway's `POST /oauth/token`, for a service's own calls to another"
    )
    service_secret: SecretStr | None = variable(
        f"{SERVICE}_CLIENT_SECRET", None, "the service's secret there (the gateway checks any client's, `_FILE` too)"
    )
    otel_sdk_disabled: bool = variable("OTEL_SDK_DISABLED", False, "`true`: no tracing at all")
    otel_traces_exporter: str = variable(
        "OTEL_TRACES_EXPORTER",
        "",
        "`otlp` (over HTTP), `zipkin`, `console` or `none`, comma-separated; empty: an endpoint below chooses",
    )
    otel_otlp_endpoint: str = variable(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT|OTEL_EXPORTER_OTLP_ENDPOINT", "", "where OTLP spans go (the first wins)"
    )
    otel_zipkin_endpoint: str = variable("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "", "where Zipkin spans go")
    otel_service_name: str = variable("OTEL_SERVICE_NAME", "", "the spans' service name; empty: the service's")
    time_zone: str = variable(
        "MEEMAKEN_TIME_ZONE",
        deadlines.DEFAULT_ZONE,
        "the municipality's calendar, on which deadlines are counted (an IANA time zone)",
    )

    def __init_subclass__(cls, service: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if service is not None:
            Settings.by_service[service] = cls

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Self:
        """The service's settings (its own subclass when it has one) from ``env`` (default: this process's)."""
        chosen = cls.for_service(service) if cls is Settings else cls
        if chosen is not cls:  # the service's own class reads it, with whatever it keeps besides its fields
            return typing.cast(Self, chosen.from_env(service, env))
        return super().from_env(service, env)

    @classmethod
    def given(cls, service: str) -> dict[str, Any]:
        return {"service": service}

    @staticmethod
    def for_service(service: str) -> type[Settings]:
        if service not in Settings.by_service and importlib.util.find_spec(service) is not None:
            if importlib.util.find_spec(f"{service}.settings") is not None:
                importlib.import_module(f"{service}.settings")
        return Settings.by_service.get(service, Settings)

    @field_validator("environment", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("otel_traces_exporter")
    @classmethod
    def _known_exporters(cls, value: str) -> str:
        unknown = sorted({name.strip().lower() for name in value.split(",") if name.strip()} - {*EXPORTERS, "none"})
        if unknown:
            raise ValueError(f"unknown exporter {', '.join(unknown)} (use {', '.join(EXPORTERS)} or none)")
        return value

    @property
    def exporters(self) -> list[str]:
        """The span exporters this configuration asks for; empty when tracing is not configured."""
        if self.otel_sdk_disabled:
            return []
        if not self.otel_traces_exporter:
            chosen = (("otlp", self.otel_otlp_endpoint), ("zipkin", self.otel_zipkin_endpoint))
            return [name for name, endpoint in chosen if endpoint]
        named = [name.strip().lower() for name in self.otel_traces_exporter.split(",") if name.strip()]
        return [name for name in named if name != "none"]

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        deadlines.zone_named(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        named = value.strip().upper()
        return {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(named, named)  # Python's logging accepts both

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if not self.database_url:
            url = f"sqlite:///{self.data_dir.resolve() / (self.service + '.sqlite')}"
            object.__setattr__(self, "database_url", url)
        if self.production and not self.token_issuer:
            raise ValueError("MEEMAKEN_ENV=production needs MEEMAKEN_TOKEN_ISSUER (the gateway's issuer URL)")
        if self.production and not (self.jwks_url or self.jwks_file or self.signs_tokens):
            raise ValueError("MEEMAKEN_ENV=production needs MEEMAKEN_JWKS_URL (the gateway's JWKS)")
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def zone(self) -> tzinfo:
        return deadlines.zone_named(self.time_zone)

    @property
    def event_source(self) -> str:
        return f"{self.event_source_prefix}:{self.service}"

    @property
    def pool_sizes(self) -> dict[str, int]:
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}
