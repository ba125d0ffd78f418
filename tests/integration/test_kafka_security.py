"""The proposals service's relay (producer) and admissibility consumer reach the 3-node cluster through its
SASL_SSL listener (SCRAM-SHA-512 over TLS, the brokers' certificates from a CA made for this session), by the
KAFKA_* settings alone, as the service's own user with only the ACLs `create_topics.py --acls` granted it; with a
wrong password the brokers refuse it and nothing is published; another service's topic it may neither write nor
read."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from helpers import wait_for
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError
from proposals_kit import TEXT, admissibility_loop, open_process, relay_for

from meemaken_events.brokers import connection_options
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings
from meemaken_kit import Settings, make_engine, migrate
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


@pytest.fixture(scope="module")
def proposals_password(kafka_cluster) -> str:
    """The proposals service's own SCRAM user; its ACLs were granted with the topics."""
    return str(kafka_cluster.add_user("proposals"))


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
