"""How the Kafka clients reach the brokers, from the environment alone."""

from __future__ import annotations

import pytest

from meemaken_events.brokers import connection_options


def test_without_settings_the_clients_speak_plaintext_to_the_listed_brokers():
    assert connection_options("a:9092, b:9092", {}) == {"bootstrap_servers": ["a:9092", "b:9092"]}


def test_sasl_ssl_takes_the_user_the_password_file_and_the_ca(tmp_path):
    secret, ca = tmp_path / "password", tmp_path / "ca.pem"
    secret.write_text("s3cret\n")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_USERNAME": "proposals",
        "KAFKA_SASL_PASSWORD_FILE": str(secret),
        "KAFKA_SSL_CAFILE": str(ca),
    }
    assert connection_options("a:9094", env) == {
        "bootstrap_servers": ["a:9094"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "proposals",
        "sasl_plain_password": "s3cret",
        "ssl_check_hostname": True,
        "ssl_cafile": str(ca),
    }


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "x"}, "KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM"),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/nowhere/ca.pem"}, "KAFKA_SSL_CAFILE"),
    ],
)
def test_a_setting_that_cannot_work_is_named(env, names):
    with pytest.raises(ValueError, match=names):
        connection_options("a:9092", env)
