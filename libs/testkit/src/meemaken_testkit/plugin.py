"""pytest fixtures with real infrastructure, shared by every test suite of the repository.

- ``kafka``: a broker for the session: ``KAFKA_BOOTSTRAP_SERVERS`` if set, a testcontainers
  broker where a Docker engine is reachable, otherwise a local broker from infra/kafka/
  (the only kind tests can stop, kill and restart: on the others those calls skip the test);
  the declared topics (infra/kafka/topics.txt) exist on it;
- ``kafka_bootstrap``: its bootstrap address;
- ``kafka_cluster``: a 3-node KRaft cluster (replication factor 3, min.insync.replicas 2, 12 partitions per
  event topic, a SASL_SSL listener) that tests may kill nodes of or cut off (meemaken_testkit.kafka_cluster);
  started only for the tests that ask for it;
- ``make_topics``: ``make_topics("a", ("b", 1))`` creates topics (3 partitions unless given);
- ``topic``: a fresh topic name for each test (not created; see ``unique_topic``);
- ``postgres``: the local cluster when the session started one (fault tests restart it), else
  None (``DATABASE_URL`` set, or testcontainers);
- ``postgres_server_url``: ``DATABASE_URL`` if set, testcontainers, or the local cluster;
- ``database_url``: a fresh, empty database on that server for each test, dropped afterwards;
- ``keycloak``: an OIDC provider with the demo realm for the session (``MEEMAKEN_TEST_KEYCLOAK_URL``
  if set, else a local Keycloak from infra/keycloak/): ``issuer``, ``client_id``, ``client_secret``,
  ``users`` (name -> demo password), ``login(user, redirect_uri)``; see meemaken_testkit.keycloak.

And the privacy scan (``meemaken_testkit.privacy``): no personal data in any event or log line of the
session; findings fail the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from meemaken_testkit.kafka import LocalKafka, create_topics, declared_topics, wait_for_broker
from meemaken_testkit.kafka_cluster import KafkaCluster
from meemaken_testkit.keycloak import Keycloak, running_keycloak
from meemaken_testkit.ports import docker_available, free_port
from meemaken_testkit.postgres import LocalPostgres, create_database, drop_database
from meemaken_testkit.privacy import SCAN, watch

KAFKA_IMAGE = "apache/kafka:4.1.1"
POSTGRES_IMAGE = "postgres:15"


def unique_topic(prefix: str = "test") -> str:
    """A topic name no other test uses: <prefix>.<12 hex digits>."""
    return f"{prefix}.{uuid.uuid4().hex[:12]}"


class ExternalKafka:
    """A broker someone else runs: tests can use it but not stop it."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def create_topics(self, topics: list[tuple[str, int]]) -> None:
        create_topics(self.bootstrap, topics)

    def stop(self) -> None:
        pytest.skip("this test stops the broker: it needs the local one (unset KAFKA_BOOTSTRAP_SERVERS)")

    start = kill = stop


def _kafka_container() -> Any:
    """apache/kafka in KRaft mode. testcontainers' KafkaContainer only drives Confluent images, so
    a plain container: the host port is chosen first so the broker can advertise it."""
    from testcontainers.core.container import DockerContainer

    port = free_port()
    container = DockerContainer(KAFKA_IMAGE).with_bind_ports(9092, port)
    settings = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "3",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }
    for key, value in settings.items():
        container.with_env(key, value)
    return container, f"127.0.0.1:{port}"


def session_env() -> dict[str, str]:
    """What every service of the test session is configured with, beside its own variables: merge it into the
    environment a test builds its settings from (``Settings.from_env(service, env)`` reads nothing else). The
    session's tests share the declared topics but not their databases: a consumer in a fresh group reads the
    events of earlier tests, which are poison to it (their aggregates are elsewhere); the dead-letter limit is
    for production, and the tests of the limit set their own."""
    return {"MEEMAKEN_DEAD_LETTER_LIMIT": os.environ.get("MEEMAKEN_DEAD_LETTER_LIMIT", "1000000")}


def pytest_configure(config: pytest.Config) -> None:
    import logging

    watch()
    os.environ.update(session_env())  # for the processes the tests start, which inherit it
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("kafka").setLevel(logging.WARNING)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    SCAN.check_files()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    scanned = ", ".join(f"{n} {kind}" for kind, n in SCAN.scanned.items())
    if SCAN.findings:
        if reporter is not None:
            reporter.write_sep("=", "privacy scan: personal data found", red=True)
            for finding in SCAN.findings:
                reporter.write_line(finding)
        session.exitstatus = 1
    elif reporter is not None:
        reporter.write_line(f"privacy scan: no personal data in {scanned}")


def _scan_broker(bootstrap: str, **login: Any) -> None:
    try:
        SCAN.check_kafka(bootstrap, **login)
    except Exception as exc:  # the broker is gone already: say so, do not hide it
        SCAN.findings.append(f"the Kafka records could not be scanned: {type(exc).__name__}: {exc}")


@pytest.fixture(scope="session")
def kafka() -> Iterator[Any]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        broker: Any = ExternalKafka(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        broker.create_topics(declared_topics())
        yield broker
        return
    if docker_available():
        container, bootstrap = _kafka_container()
        with container:
            wait_for_broker(bootstrap)
            broker = ExternalKafka(bootstrap)
            broker.create_topics(declared_topics())
            yield broker
            _scan_broker(bootstrap)
        return
    local = LocalKafka()
    try:
        local.start()
        local.create_topics(declared_topics())
        yield local
        _scan_broker(local.bootstrap)
    finally:
        local.destroy()


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[KafkaCluster]:
    cluster = KafkaCluster()
    try:
        cluster.start()
        yield cluster
        login = cluster.client_options(tls=False)
        del login["bootstrap_servers"]
        _scan_broker(cluster.bootstrap, **login)
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka: Any) -> str:
    return str(kafka.bootstrap)


@pytest.fixture
def make_topics(kafka_bootstrap: str) -> Callable[..., list[str]]:
    """make_topics("a", ("b", 1), partitions=3) creates the topics (existing ones are left alone)
    and returns their names."""

    def make(*topics: str | tuple[str, int], partitions: int = 3) -> list[str]:
        specs = [(t, partitions) if isinstance(t, str) else (t[0], int(t[1])) for t in topics]
        create_topics(kafka_bootstrap, specs)
        return [name for name, _ in specs]

    return make


@pytest.fixture
def topic() -> str:
    return unique_topic()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres | None]:
    """The local cluster when the session started one (fault tests restart it), else None."""
    if os.environ.get("DATABASE_URL") or docker_available():
        yield None
        return
    server = LocalPostgres()
    try:
        server.start()
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
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # testcontainers before the community split
            from testcontainers.postgres import PostgresContainer

        with PostgresContainer(POSTGRES_IMAGE, driver="psycopg") as container:
            yield container.get_connection_url()


@pytest.fixture
def database_url(postgres_server_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server_url, name)
    yield url
    drop_database(postgres_server_url, name)


@pytest.fixture(scope="session")
def keycloak() -> Iterator[Keycloak]:
    with running_keycloak() as provider:
        yield provider
