"""How every Kafka client reaches the brokers: the bootstrap addresses and, by configuration, TLS and
SASL/SCRAM. One place for the relay, the consumers, the dead-letter tools and infra/kafka/create_topics.py.

The variables (``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*``, ``KAFKA_SSL_*``) are
fields of ``meemaken_events.settings.EventSettings``, checked at start (docs/configuration.md). Passwords come
from the environment or a mounted file (``KAFKA_SASL_PASSWORD_FILE``), never from the repository.
"""

from __future__ import annotations

from typing import Any

from meemaken_events.kafka_registry import keep_primary_response_classes
from meemaken_events.settings import EventSettings

keep_primary_response_classes()  # before any client: kafka-python 3.0.12's registry fault (kafka_registry)


def connection_options(settings: EventSettings) -> dict[str, Any]:
    """kafka-python's options to reach the configured brokers ("host:port,host:port")."""
    servers = [server.strip() for server in settings.kafka_bootstrap_servers.split(",") if server.strip()]
    options: dict[str, Any] = {"bootstrap_servers": servers}
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return options
    options["security_protocol"] = protocol
    if protocol.startswith("SASL_"):
        password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password,
        }
    if protocol.endswith("SSL"):
        options["ssl_check_hostname"] = True
        for option, path in (
            ("ssl_cafile", settings.kafka_ssl_cafile),
            ("ssl_certfile", settings.kafka_ssl_certfile),
            ("ssl_keyfile", settings.kafka_ssl_keyfile),
        ):
            if path is not None:
                options[option] = str(path)
    return options
