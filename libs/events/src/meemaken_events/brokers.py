"""How every Kafka client reaches the brokers: the bootstrap addresses and, by configuration, TLS and
SASL/SCRAM. One place for the relay, the consumers, the dead-letter tools and infra/kafka/create_topics.py.

| variable | meaning |
|---|---|
| ``KAFKA_SECURITY_PROTOCOL`` | ``PLAINTEXT`` (default), ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL`` |
| ``KAFKA_SASL_MECHANISM`` | ``SCRAM-SHA-512`` (default with SASL), ``SCRAM-SHA-256`` or ``PLAIN`` |
| ``KAFKA_SASL_USERNAME`` | the service's user on the brokers |
| ``KAFKA_SASL_PASSWORD`` | its password, or ``KAFKA_SASL_PASSWORD_FILE``: a file holding it (a mounted secret) |
| ``KAFKA_SSL_CAFILE`` | the CA certificates (PEM) that signed the brokers' certificates; default the system's |
| ``KAFKA_SSL_CERTFILE``, ``KAFKA_SSL_KEYFILE`` | a client certificate and its key, where brokers ask for one |

Passwords come from the environment or a mounted file, never from the repository. A setting that cannot
work (an unknown protocol, SASL without a user) raises ``ValueError`` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def connection_options(bootstrap_servers: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """kafka-python's options to reach `bootstrap_servers` ("host:port,host:port") as configured."""
    env = os.environ if env is None else env
    options: dict[str, Any] = {"bootstrap_servers": [s.strip() for s in bootstrap_servers.split(",") if s.strip()]}
    protocol = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").strip().upper() or "PLAINTEXT"
    if protocol not in PROTOCOLS:
        raise ValueError(f"KAFKA_SECURITY_PROTOCOL={protocol} is none of {', '.join(PROTOCOLS)}")
    if protocol == "PLAINTEXT":
        return options
    options["security_protocol"] = protocol
    if protocol.startswith("SASL_"):
        options |= _sasl(env)
    if protocol.endswith("SSL"):
        options |= _tls(env)
    return options


def _sasl(env: Mapping[str, str]) -> dict[str, Any]:
    mechanism = env.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").strip().upper()
    if mechanism not in MECHANISMS:
        raise ValueError(f"KAFKA_SASL_MECHANISM={mechanism} is none of {', '.join(MECHANISMS)}")
    username = env.get("KAFKA_SASL_USERNAME", "")
    password = env.get("KAFKA_SASL_PASSWORD", "")
    if not password and env.get("KAFKA_SASL_PASSWORD_FILE"):
        password = Path(env["KAFKA_SASL_PASSWORD_FILE"]).read_text().strip()
    if not username or not password:
        raise ValueError("SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)")
    return {"sasl_mechanism": mechanism, "sasl_plain_username": username, "sasl_plain_password": password}


def _tls(env: Mapping[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {"ssl_check_hostname": True}
    for variable, option in (
        ("KAFKA_SSL_CAFILE", "ssl_cafile"),
        ("KAFKA_SSL_CERTFILE", "ssl_certfile"),
        ("KAFKA_SSL_KEYFILE", "ssl_keyfile"),
    ):
        if env.get(variable):
            if not Path(env[variable]).is_file():
                raise ValueError(f"{variable}={env[variable]} is not a file")
            options[option] = env[variable]
    return options
