"""How the Kafka clients reach the brokers, from the typed event settings; a setting that cannot work stops the
start in one line naming its variable."""

from __future__ import annotations

import pytest

from meemaken_events.brokers import connection_options
from meemaken_events.settings import ConfigurationError, EventSettings


def test_without_settings_the_clients_speak_plaintext_to_the_listed_brokers():
    settings = EventSettings.from_env("events", {"KAFKA_BOOTSTRAP_SERVERS": "a:9092, b:9092"})
    assert connection_options(settings) == {"bootstrap_servers": ["a:9092", "b:9092"]}
    assert connection_options(EventSettings.from_env("events", {})) == {"bootstrap_servers": ["127.0.0.1:9092"]}


def test_sasl_ssl_takes_the_user_the_password_file_and_the_ca(tmp_path):
    secret, ca = tmp_path / "password", tmp_path / "ca.pem"
    secret.write_text("s3cret\n")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "a:9094",
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_USERNAME": "proposals",
        "KAFKA_SASL_PASSWORD_FILE": str(secret),
        "KAFKA_SSL_CAFILE": str(ca),
    }
    settings = EventSettings.from_env("events", env)
    assert "s3cret" not in repr(settings)
    assert connection_options(settings) == {
        "bootstrap_servers": ["a:9094"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "proposals",
        "sasl_plain_password": "s3cret",
        "ssl_check_hostname": True,
        "ssl_cafile": str(ca),
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL: Input should be 'PLAINTEXT'"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "x"}, "KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM: "),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/nowhere/ca.pem"}, "KAFKA_SSL_CAFILE: Path does"),
        ({"KAFKA_BOOTSTRAP_SERVERS": ""}, None),  # empty is unset: the default
        ({"MEEMAKEN_DEAD_LETTER_LIMIT": "many"}, "MEEMAKEN_DEAD_LETTER_LIMIT: Input should be a valid integer"),
        ({"MEEMAKEN_DEAD_LETTER_LIMIT": "0"}, "MEEMAKEN_DEAD_LETTER_LIMIT: Input should be greater than or equal"),
        ({"MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS": "0"}, "MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS: Input should be greater"),
        ({"MEEMAKEN_INBOX_RETENTION_DAYS": "0.5"}, "MEEMAKEN_INBOX_RETENTION_DAYS: Input should be greater than"),
        ({"MEEMAKEN_INBOX_RETENTION_DAYS": "soon"}, "MEEMAKEN_INBOX_RETENTION_DAYS: Input should be a valid number"),
    ],
)
def test_a_setting_that_cannot_work_stops_the_start_in_one_line_naming_it(env, expected):
    if expected is None:
        assert EventSettings.from_env("events", env).kafka_bootstrap_servers == "127.0.0.1:9092"
        return
    with pytest.raises(ConfigurationError) as refused:
        EventSettings.from_env("create-topics", env)
    line = str(refused.value)
    assert line.startswith("create-topics: configuration refused: ") and expected in line
    assert "\n" not in line and isinstance(refused.value, SystemExit)


def test_the_dead_letter_limit_and_the_inbox_retention_come_from_the_settings():
    settings = EventSettings.from_env("events", {})
    assert (settings.dead_letter_limit, settings.dead_letter_window_seconds, settings.inbox_retention.days) == (
        20,
        600,
        30,
    )
    custom = EventSettings.from_env(
        "events",
        {
            "MEEMAKEN_DEAD_LETTER_LIMIT": "5",
            "MEEMAKEN_DEAD_LETTER_WINDOW_SECONDS": "30",
            "MEEMAKEN_INBOX_RETENTION_DAYS": "90",
        },
    )
    assert (custom.dead_letter_limit, custom.dead_letter_window_seconds, custom.inbox_retention.days) == (5, 30, 90)


def test_a_dead_letter_topic_is_read_with_its_consumers_fetch_wait(monkeypatch):
    """The reader a consumer catches up with before it decides about a record: the broker holds its fetches
    as long as the consumer's own (<SERVICE>_CONSUMER_FETCH_MAX_WAIT_MS), not a wait of its own."""
    from meemaken_events import dead_letter_log

    options = {}

    class Unreachable:
        def __init__(self, **given):
            options.update(given)

        def partitions_for_topic(self, _topic):
            return None

        def close(self, **_kwargs):
            pass

    monkeypatch.setattr(dead_letter_log, "KafkaConsumer", Unreachable)
    settings = EventSettings.from_env("kit", {"KIT_CONSUMER_FETCH_MAX_WAIT_MS": "20"})
    with pytest.raises(dead_letter_log.NoDeadLetterTopic):
        dead_letter_log.DeadLetterLog(settings, "kit.dlq")
    assert options["fetch_max_wait_ms"] == 20
