"""pytest fixtures with real infrastructure, shared by every test suite of the repository.

- ``kafka``: a broker for the session: ``KAFKA_BOOTSTRAP_SERVERS`` if set, a testcontainers
  broker where a Docker engine is reachable, otherwise a local broker from infra/kafka/
  (the only kind tests can stop and restart: fault tests skip on the others);
- ``postgres_server_url``: ``DATABASE_URL`` if set, testcontainers, or a local cluster;
- ``database_url``: a fresh, empty database on that server for each test;
- ``topic``: a fresh topic name for each test (create it with ``kafka.create_topics``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from meemaken_testkit.kafka import LocalKafka, create_topics, declared_topics
from meemaken_testkit.ports import docker_available
from meemaken_testkit.postgres import LocalPostgres, create_database, drop_database


class ExternalKafka:
    """A broker someone else runs: tests can use it but not stop it."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def create_topics(self, topics: list[tuple[str, int]]) -> None:
        create_topics(self.bootstrap, topics)

    def stop(self) -> None:
        pytest.skip("this test stops the broker; it needs the local one (unset KAFKA_BOOTSTRAP_SERVERS)")

    start = kill = stop


@pytest.fixture(scope="session")
def kafka() -> Iterator[Any]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        broker: Any = ExternalKafka(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        broker.create_topics(declared_topics())
        yield broker
        return
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            broker = ExternalKafka(container.get_bootstrap_server())
            broker.create_topics(declared_topics())
            yield broker
        return
    local = LocalKafka().start()
    try:
        local.create_topics(declared_topics())
        yield local
    finally:
        local.destroy()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka: Any) -> str:
    return str(kafka.bootstrap)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres | None]:
    """The local cluster when the session started one (fault tests restart it), else None."""
    if os.environ.get("DATABASE_URL") or docker_available():
        yield None
        return
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def postgres_server_url(postgres: LocalPostgres | None) -> Iterator[str]:
    if postgres is not None:
        yield postgres.url()
    elif os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    else:
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver="psycopg") as container:
            yield container.get_connection_url()


@pytest.fixture
def database_url(postgres_server_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server_url, name)
    yield url
    drop_database(postgres_server_url, name)


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"
