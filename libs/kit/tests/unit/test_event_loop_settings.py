"""The relay's and the consumers' knobs are each service's settings (<SERVICE>_RELAY_*, <SERVICE>_CONSUMER_*):
the kit's relay and every ConsumerLoop take them from the service's settings object, defaults as before."""

from __future__ import annotations

import sqlalchemy as sa

from meemaken_events import ConsumerLoop, messaging_tables
from meemaken_events.relay import Relay, producer_config
from meemaken_kit.config import Settings
from meemaken_kit.service import relay


def loops(settings: Settings) -> tuple[Relay, ConsumerLoop]:
    metadata = sa.MetaData()
    outbox, inbox, lease = messaging_tables(metadata)
    engine = sa.create_engine("sqlite://")
    outgoing = relay(settings, engine, outbox, lease)
    assert isinstance(outgoing, Relay)
    return outgoing, ConsumerLoop("kit.test", ["t"], {}, engine, inbox, settings)


def test_the_defaults_are_the_values_the_library_had() -> None:
    settings = Settings.from_env("kit", {"DATABASE_URL": "sqlite://"})
    outgoing, consumer = loops(settings)
    assert (outgoing.batch_size, outgoing.idle_wait, consumer.max_records) == (500, 0.01, 500)
    assert producer_config(settings, "kit-relay")["linger_ms"] == 2
    assert settings.consumer_fetch_max_wait_ms == 100


def test_a_service_sets_them_by_its_variables() -> None:
    env = {
        "DATABASE_URL": "sqlite://",
        "KIT_RELAY_BATCH_SIZE": "250",
        "KIT_RELAY_LINGER_MS": "5",
        "KIT_RELAY_IDLE_WAIT_SECONDS": "0.05",
        "KIT_CONSUMER_MAX_RECORDS": "40",
        "KIT_CONSUMER_FETCH_MAX_WAIT_MS": "20",
    }
    settings = Settings.from_env("kit", env)
    outgoing, consumer = loops(settings)
    assert (outgoing.batch_size, outgoing.idle_wait, consumer.max_records) == (250, 0.05, 40)
    assert producer_config(settings, "kit-relay")["linger_ms"] == 5
    assert settings.consumer_fetch_max_wait_ms == 20


def test_challenges_keeps_its_larger_relay_batch_unless_told() -> None:
    assert Settings.from_env("challenges", {"DATABASE_URL": "sqlite://"}).relay_batch_size == 1000
    told = {"DATABASE_URL": "sqlite://", "CHALLENGES_RELAY_BATCH_SIZE": "300"}
    assert Settings.from_env("challenges", told).relay_batch_size == 300
