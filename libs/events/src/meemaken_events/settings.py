"""The event library's settings (Kafka, the dead-letter limit, the inbox's retention), and the one way every
settings object is read from the environment.

``EventSettings`` is a typed pydantic-settings model; the kit's ``Settings`` (meemaken_kit.config) extends it,
so a service reads these variables once, at start, with its own, and hands its settings object to the relay,
the consumers and the dead-letter tools. A command without a service (``infra/kafka/create_topics.py``) reads
``EventSettings.from_env("create-topics")``. Every field names its variable (its alias); ``docs/configuration.md``
is the table of them all.

A secret (``SecretStr``) is ``NAME`` or the contents of the file ``NAME_FILE`` names (a mounted secret). An
empty variable is the same as an unset one. A wrong value stops the process at start with one line naming the
variable and what it expects (``ConfigurationError``), never a traceback later.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import AliasChoices, Field, FilePath, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SERVICE = "<SERVICE>"  # stands for the service's name, upper case, in a variable's name
KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class ConfigurationError(SystemExit):
    """A setting that cannot work: uncaught, the process prints this one line and exits (status 1)."""

    def __str__(self) -> str:
        return str(self.code)


def variable(name: str, default: Any = ..., description: str = "", **constraints: Any) -> Any:
    """A field read from the variable ``name`` (``<SERVICE>_X`` for the service's own; ``A|B``: A wins)."""
    names = name.split("|")
    alias: str | AliasChoices = names[0] if len(names) == 1 else AliasChoices(*names)
    return Field(default, validation_alias=alias, description=description, **constraints)


class EnvironmentSettings(BaseSettings):
    """Read from a mapping of variables (default: this process's environment) by ``from_env``, once."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True, populate_by_name=True)

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
        """The settings of ``service`` (the name its errors start with) from ``env`` (default: the process's)."""
        values: dict[str, Any] = cls.environment_values(service, dict(os.environ if env is None else env))
        try:
            return cls.model_validate(values | cls.given(service))
        except ValidationError as error:
            raise ConfigurationError(explained(error, service, cls)) from None

    @classmethod
    def environment_values(cls, service: str, env: Mapping[str, str]) -> dict[str, Any]:
        """What the fields are made from (a subclass adds variables whose names it cannot list)."""
        return read_environment(cls, service, env)

    @classmethod
    def given(cls, service: str) -> dict[str, Any]:
        """Values that come from the caller, not the environment (the kit's: the service's name)."""
        return {}


class EventSettings(EnvironmentSettings):
    """How the clients reach Kafka (TLS and SASL/SCRAM by configuration), when a consumer that produces only
    poison stops, and how long the inbox remembers an event."""

    kafka_bootstrap_servers: str = variable(
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "the Kafka cluster (host:port, comma-separated)", min_length=1
    )
    kafka_security_protocol: KafkaProtocol = variable("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "how clients reach it")
    kafka_sasl_mechanism: SaslMechanism = variable("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "with SASL_*")
    kafka_sasl_username: str = variable("KAFKA_SASL_USERNAME", "", "the service's user on the brokers (SASL_*)")
    kafka_sasl_password: SecretStr | None = variable("KAFKA_SASL_PASSWORD", None, "its password (SASL_*)")
    kafka_ssl_cafile: FilePath | None = variable(
        "KAFKA_SSL_CAFILE", None, "CA certificates (PEM) of the brokers (*SSL); default: the system's"
    )
    kafka_ssl_certfile: FilePath | None = variable("KAFKA_SSL_CERTFILE", None, "a client certificate (PEM), *SSL")
    kafka_ssl_keyfile: FilePath | None = variable("KAFKA_SSL_KEYFILE", None, "its key (PEM)")
    inbox_retention_days: float = variable(
        "MEEMAKEN_INBOX_RETENTION_DAYS", 30, "days a consumer remembers a handled event (longer than any replay)", ge=1
    )
    dead_letter_limit: int = variable(
        "MEEMAKEN_DEAD_LETTER_LIMIT", 20, "a consumer stops after this many dead letters within the window", ge=1
    )
    dead_letter_window_seconds: float = variable("MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS", 600, "that window", gt=0)
    relay_batch_size: int = variable(
        f"{SERVICE}_RELAY_BATCH_SIZE", 500, "outbox rows the relay reads, sends and marks together", ge=1
    )
    relay_linger_ms: int = variable(
        f"{SERVICE}_RELAY_LINGER_MS", 2, "how long the relay's producer waits to fill a request (Kafka linger.ms)", ge=0
    )
    relay_idle_wait_seconds: float = variable(
        f"{SERVICE}_RELAY_IDLE_WAIT_SECONDS",
        0.01,
        "the relay's pause after a batch short of full, unless it held 2 rows or fewer (then, on PostgreSQL, it "
        "waits for an outbox row's NOTIFY)",
        ge=0,
    )
    consumer_max_records: int = variable(
        f"{SERVICE}_CONSUMER_MAX_RECORDS", 500, "records a consumer polls and handles in one transaction", ge=1
    )
    consumer_fetch_max_wait_ms: int = variable(
        f"{SERVICE}_CONSUMER_FETCH_MAX_WAIT_MS",
        100,
        "how long the broker holds a consumer's fetch (its dead-letter topic's too) while it has no record (Kafka "
        "fetch.max.wait.ms)",
        ge=0,
    )

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _sasl_complete(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)")
        return self

    @property
    def inbox_retention(self) -> timedelta:
        return timedelta(days=self.inbox_retention_days)


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


def read_environment(settings: type[BaseSettings], service: str, env: Mapping[str, str]) -> dict[str, str]:
    """The values of ``settings``' variables in ``env``, keyed by their names as the fields declare them:
    ``<SERVICE>_X`` read from ``PROPOSALS_X``, a secret from its ``_FILE``, an empty value left out."""
    prefix = service.upper().replace("-", "_")
    values: dict[str, str] = {}
    for field in settings.model_fields.values():
        for declared in names(field):
            name = declared.replace(SERVICE, prefix)
            value = env.get(name, "")
            if value and secret(field) and env.get(f"{name}_FILE"):
                raise ConfigurationError(f"{service}: configuration refused: set {name} or {name}_FILE, not both")
            if not value and secret(field) and env.get(f"{name}_FILE"):
                try:
                    value = Path(env[f"{name}_FILE"]).read_text().strip()
                except OSError as error:
                    raise ConfigurationError(
                        f"{service}: configuration refused: {name}_FILE: cannot read {env[f'{name}_FILE']} "
                        f"({error.strerror})"
                    ) from None
            if value:
                values[declared] = value
    return values


def explained(error: ValidationError, service: str, settings: type[BaseSettings]) -> str:
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
