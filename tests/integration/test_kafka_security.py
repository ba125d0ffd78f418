"""The proposals service's relay (producer) and admissibility consumer reach the 3-node cluster through its
SASL_SSL listener (SCRAM-SHA-512 over TLS, the brokers' certificates from a CA made for this session), by the
KAFKA_* settings alone, as the service's own user with only the ACLs `create_topics.py --acls` granted it; with a
wrong password the brokers refuse it and nothing is published; another service's topic it may neither write nor
read. No listener lets anyone in unauthenticated (none is PLAINTEXT; the brokers' own user is the only super user),
and the services' users are made by the project's command (`create_topics.py --acls`), once."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import wait_for
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError
from proposals_kit import TEXT, admissibility_loop, open_process, relay_for

from meemaken_events.brokers import connection_options
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.kafka import CREATE_TOPICS, TOPICS_FILE
from proposals.adapters import tables
from proposals.bootstrap import SERVICE, unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def unpublished(engine: sa.Engine) -> int:
    query = sa.select(sa.func.count()).where(tables.outbox.c.published_at.is_(None))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def status(engine: sa.Engine, proposal: uuid.UUID) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(sa.select(tables.proposals.c.status).where(tables.proposals.c.id == proposal)).scalar_one()
        )


def set_users(kafka_cluster, folder: Path, **passwords: str) -> list[str]:  # type: ignore[no-untyped-def]
    """`create_topics.py --acls` as the cluster's admin, given these services' passwords in secret files; the
    users whose SCRAM credentials it set (its last line)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")} | kafka_cluster.admin_env()
    env |= {"KAFKA_REPLICATION_FACTOR": "3", "KAFKA_TOPIC_PARTITIONS": "12"}
    for service, password in passwords.items():
        secret = folder / f"{service}-kafka-password"
        secret.write_text(password + "\n")
        env[f"{service.upper()}_KAFKA_PASSWORD_FILE"] = str(secret)
    command = [sys.executable, str(CREATE_TOPICS), kafka_cluster.bootstrap, str(TOPICS_FILE), "--acls"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not any(password in done.stdout + done.stderr for password in passwords.values())
    made = re.search(r"SCRAM credentials set: (.*)", done.stdout)
    assert made, done.stdout
    return [] if made.group(1).startswith("none") else made.group(1).split(", ")


@pytest.fixture(scope="module")
def proposals_password(kafka_cluster, tmp_path_factory) -> str:
    """The proposals service's own SCRAM user, made with its ACLs by the project's command."""
    password = secrets.token_urlsafe(24)
    assert set_users(kafka_cluster, tmp_path_factory.mktemp("secrets"), proposals=password) == ["proposals"]
    return password


def test_the_services_producer_and_consumer_work_through_sasl_ssl_and_a_wrong_password_is_refused(
    kafka_cluster, proposals_password, database_url, monkeypatch
):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    for name, value in kafka_cluster.client_env(password="not-the-password", user="proposals").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", database_url)
    settings = Settings.from_env("proposals")
    assert settings.kafka_bootstrap_servers == kafka_cluster.secure_bootstrap
    uow = unit_of_work_factory(settings, engine)
    process = open_process(uow)
    command = handlers.SubmitProposal(process, uuid.uuid4(), "A bench by the school gate", TEXT)
    proposal = handlers.submit_proposal(command, uow()).id
    waiting = unpublished(engine)
    assert waiting >= 2  # the process defined, the proposal submitted

    with pytest.raises(KafkaError):
        relay_for(settings, engine).publish_once()
    assert unpublished(engine) == waiting, "nothing published with a wrong password"
    refusals = [n for n in (1, 2, 3) if "Failed authentication" in kafka_cluster.log(n)]
    assert refusals, "the brokers logged the refused authentication"

    monkeypatch.setenv("KAFKA_SASL_PASSWORD", proposals_password)
    settings = Settings.from_env("proposals")  # read once, at start, as a service reads them
    relay = relay_for(settings, engine)
    loop = admissibility_loop(settings, engine, group="proposals.admissibility")  # the group its ACL names
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        while unpublished(engine):
            relay.publish_once()
        wait_for(lambda: status(engine, proposal) == "admitted", timeout=60, interval=0.2)
        wait_for(lambda: relay.publish_once() or unpublished(engine) == 0, timeout=30)
    finally:
        loop.stop()
        thread.join(timeout=30)
        relay.producer.close()
        engine.dispose()


def test_a_service_user_may_neither_write_nor_read_another_services_topic(
    kafka_cluster, proposals_password, monkeypatch
):
    env = kafka_cluster.client_env(password=proposals_password, user="proposals")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    producer = KafkaProducer(**producer_config(EventSettings.from_env("acl-test", env), "acl-test"))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("meemaken.challenges.challenge", b"not proposals' event").get(timeout=30)
        with pytest.raises(TopicAuthorizationFailedError):  # nor a dead-letter topic of notifications'
            producer.send("meemaken.notifications.proposals.dlq", b"x").get(timeout=30)
    finally:
        producer.close()
    options = connection_options(EventSettings.from_env("acl-test", env))
    consumer = KafkaConsumer(**options)  # no group: only the topics' READ (which DESCRIBE comes with) is asked
    try:
        assert described(consumer, "meemaken.proposals.proposal"), "its own topic"
        assert described(consumer, "meemaken.challenges.challenge") is False, "not consumed by proposals"
        assert described(consumer, "meemaken.gateway.identity") is False
    finally:
        consumer.close()
    consumer = KafkaConsumer("meemaken.proposals.proposal", group_id="notifications.proposals", **options)
    try:
        with pytest.raises(GroupAuthorizationFailedError):  # proposals' topic, but notifications' group
            consumer.poll(timeout_ms=20000)
    finally:
        consumer.close()


def described(consumer: KafkaConsumer, topic: str) -> bool:
    """Does the broker tell this user the topic's partitions (refused: logged, or raised, by kafka-python)?"""
    try:
        return bool(consumer.partitions_for_topic(topic))
    except TopicAuthorizationFailedError:
        return False


def test_no_listener_lets_anyone_in_unauthenticated_and_the_brokers_are_the_only_super_user(kafka_cluster):
    for node in (1, 2, 3):
        settings = (kafka_cluster.data_dir / f"node-{node}" / "server.properties").read_text()
        assert "super.users=User:broker\n" in settings
        protocols = re.search(r"^listener.security.protocol.map=(.*)$", settings, re.M)
        assert protocols and ":PLAINTEXT" not in protocols.group(1).replace("SASL_PLAINTEXT", "")
    own, secure = kafka_cluster.bootstrap.split(","), kafka_cluster.secure_bootstrap.split(",")
    controllers = [f"{h}:{p}" for h, p in zip(kafka_cluster.hosts, kafka_cluster.controller_ports, strict=True)]
    tls_only = {"security_protocol": "SSL", "ssl_cafile": str(kafka_cluster.ca_file)}
    # A refused client retries its bootstrap until bootstrap_timeout_ms (30 s by default, 120 s for the four):
    # 5 s is several refused attempts on every listener, as the brokers drop each at its first request.
    refused = {"request_timeout_ms": 5000, "bootstrap_timeout_ms": 5000}
    for servers, options in ((own, {}), (controllers, {}), (secure, tls_only)):
        with pytest.raises(KafkaError):  # the SASL listeners drop a client that does not authenticate
            KafkaAdminClient(bootstrap_servers=servers, **refused, **options).list_topics()
    anyone = kafka_cluster.client_options(user="broker", password="a guess", tls=False)
    with pytest.raises(KafkaError):
        KafkaAdminClient(**anyone, **refused).list_topics()


def test_the_topics_command_makes_a_services_user_once_and_it_writes_its_own_topics_only(kafka_cluster, tmp_path):
    password = secrets.token_urlsafe(24)
    assert set_users(kafka_cluster, tmp_path, challenges=password) == ["challenges"]
    assert set_users(kafka_cluster, tmp_path, challenges=password) == [], "a rerun changes nothing"
    password = secrets.token_urlsafe(24)
    assert set_users(kafka_cluster, tmp_path, challenges=password) == ["challenges"], "a new password is set"
    producer = KafkaProducer(**kafka_cluster.client_options(user="challenges", password=password), acks="all")
    try:
        producer.send("meemaken.challenges.challenge", b"challenges' own event").get(timeout=30)
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("meemaken.proposals.proposal", b"not challenges' event").get(timeout=30)
    finally:
        producer.close()
