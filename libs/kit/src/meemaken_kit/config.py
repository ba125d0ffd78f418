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

Read elsewhere because a library reads them itself: ``OTEL_*`` (the OpenTelemetry SDK's exporters; the
kit only decides from them whether to trace, ``meemaken_kit.tracing``), ``PROMETHEUS_MULTIPROC_DIR``
(prometheus_client, at import), gunicorn's ``gunicorn.conf.py`` (``<SERVICE>_BIND``, ``WEB_CONCURRENCY``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import types
import typing
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SERVICE = "<SERVICE>"  # stands for the service's name, upper case, in a variable's name
KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigurationError(SystemExit):
    """A setting that cannot work: uncaught, the process prints this one line and exits (status 1)."""

    def __str__(self) -> str:
        return str(self.code)


def variable(name: str, default: Any = ..., description: str = "", **constraints: Any) -> Any:
    """A field read from the variable ``name`` (``<SERVICE>_X`` for the service's own; ``A|B``: A wins)."""
    names = name.split("|")
    alias: str | AliasChoices = names[0] if len(names) == 1 else AliasChoices(*names)
    return Field(default, validation_alias=alias, description=description, **constraints)


class Settings(BaseSettings):
    """What every service shares (the first rows of ``docs/configuration.md``)."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)
    by_service: ClassVar[dict[str, type[Settings]]] = {}

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
    kafka_bootstrap_servers: str = variable(
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "the Kafka cluster (host:port, comma-separated)", min_length=1
    )
    kafka_security_protocol: KafkaProtocol = variable("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "how clients reach it")
    kafka_sasl_mechanism: SaslMechanism = variable("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "with SASL_*")
    kafka_sasl_username: str = variable("KAFKA_SASL_USERNAME", "", "the service's user on the brokers (SASL_*)")
    kafka_sasl_password: SecretStr | None = variable("KAFKA_SASL_PASSWORD", None, "its password (SASL_*)")
    kafka_ssl_cafile: Path | None = variable("KAFKA_SSL_CAFILE", None, "CA certificates (PEM) of the brokers")
    kafka_ssl_certfile: Path | None = variable("KAFKA_SSL_CERTFILE", None, "a client certificate (PEM)")
    kafka_ssl_keyfile: Path | None = variable("KAFKA_SSL_KEYFILE", None, "its key (PEM)")
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
    worker_metrics_bind: str = variable(
        f"{SERVICE}_WORKER_METRICS_BIND", "", "host:port of the worker's /metrics and /healthz; empty: none"
    )
    inbox_retention_days: float = variable(
        "MEEMAKEN_INBOX_RETENTION_DAYS", 30, "days a consumer remembers a handled event (longer than any replay)", ge=1
    )
    dead_letter_limit: int = variable(
        "MEEMAKEN_DEAD_LETTER_LIMIT", 20, "a consumer stops after this many dead letters within the window", ge=1
    )
    dead_letter_window_seconds: float = variable("MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS", 600, "that window", gt=0)

    def __init_subclass__(cls, service: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if service is not None:
            Settings.by_service[service] = cls

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # from_env hands over the environment it read, once

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Self:
        """The service's settings (its own subclass when it has one) from ``env`` (default: this process's)."""
        chosen = cls.for_service(service) if cls is Settings else cls
        if chosen is not cls:  # the service's own class reads it, with whatever it keeps besides its fields
            return typing.cast(Self, chosen.from_env(service, env))
        values: dict[str, Any] = chosen.environment_values(service, dict(os.environ if env is None else env))
        try:
            return typing.cast(Self, chosen(service=service, **values))
        except ValidationError as error:
            raise ConfigurationError(explained(error, service, chosen)) from None

    @classmethod
    def environment_values(cls, service: str, env: Mapping[str, str]) -> dict[str, Any]:
        """What the fields are made from (a subclass adds variables whose names it cannot list)."""
        return read_environment(cls, service, env)

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

    @field_validator("log_level", "kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        named = value.strip().upper()
        return {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(named, named)  # Python's logging accepts both

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if not self.database_url:
            url = f"sqlite:///{self.data_dir.resolve() / (self.service + '.sqlite')}"
            object.__setattr__(self, "database_url", url)
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)")
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def event_source(self) -> str:
        return f"{self.event_source_prefix}:{self.service}"

    @property
    def pool_sizes(self) -> dict[str, int]:
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}

    @property
    def inbox_retention(self) -> timedelta:
        return timedelta(days=self.inbox_retention_days)

    def kafka_environment(self) -> dict[str, str]:
        """The Kafka client settings as ``meemaken_events.brokers.connection_options`` reads them."""
        named = {
            "KAFKA_SECURITY_PROTOCOL": self.kafka_security_protocol,
            "KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
            "KAFKA_SASL_USERNAME": self.kafka_sasl_username,
            "KAFKA_SASL_PASSWORD": self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else "",
            "KAFKA_SSL_CAFILE": str(self.kafka_ssl_cafile or ""),
            "KAFKA_SSL_CERTFILE": str(self.kafka_ssl_certfile or ""),
            "KAFKA_SSL_KEYFILE": str(self.kafka_ssl_keyfile or ""),
        }
        return {name: value for name, value in named.items() if value}


def names(field: FieldInfo) -> list[str]:
    """The variables a field is read from, first wins (``<SERVICE>`` standing for the service)."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [alias] if isinstance(alias, str) else []


def secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    return (
        annotation is SecretStr
        or SecretStr in typing.get_args(annotation)
        or (isinstance(annotation, types.UnionType) and SecretStr in annotation.__args__)
    )


def read_environment(settings: type[Settings], service: str, env: Mapping[str, str]) -> dict[str, str]:
    """The values of ``settings``' variables in ``env``, keyed by their names as the fields declare them:
    ``<SERVICE>_X`` read from ``PROPOSALS_X``, a secret from its ``_FILE``, an empty value left out."""
    prefix = service.upper().replace("-", "_")
    values: dict[str, str] = {}
    for field in settings.model_fields.values():
        for name in names(field):
            value = env.get(name.replace(SERVICE, prefix), "")
            if value and secret(field) and env.get(f"{name}_FILE"):
                raise ConfigurationError(f"set {name} or {name}_FILE, not both")
            if not value and secret(field) and env.get(f"{name}_FILE"):
                try:
                    value = Path(env[f"{name}_FILE"]).read_text().strip()
                except OSError as error:
                    raise ConfigurationError(f"{name}_FILE: cannot read {env[f'{name}_FILE']} ({error.strerror})")
            if value:
                values[name] = value
    return values


def explained(error: ValidationError, service: str, settings: type[Settings]) -> str:
    """pydantic's errors as one line: each variable's name, what it expects and (but for a secret) what it got."""
    prefix = service.upper().replace("-", "_")
    secrets = {name for field in settings.model_fields.values() if secret(field) for name in names(field)}
    parts = []
    for problem in error.errors(include_url=False):
        declared = ".".join(str(part) for part in problem["loc"])
        name = declared.replace(SERVICE, prefix)
        message = problem["msg"].removeprefix("Value error, ")
        shown = problem.get("input") if name and declared not in secrets else None
        got = f" (got {shown!r})" if isinstance(shown, str) else ""
        parts.append(f"{name}: {message}{got}" if name else message)
    return f"{service}: configuration refused: " + "; ".join(parts)
