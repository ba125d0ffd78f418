"""One typed settings object per service: the shared variables, their defaults and precedence, secrets
from files, and a wrong value refused at start in one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from meemaken_events.brokers import connection_options
from meemaken_kit.config import ConfigurationError, EventSettings, Settings


def test_the_defaults_and_the_service_database_first(tmp_path: Path) -> None:
    settings = Settings.from_env("kit", {"MEEMAKEN_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'kit.sqlite'}"
    assert (settings.kafka_bootstrap_servers, settings.log_level, settings.max_content_length) == (
        "127.0.0.1:9092",
        "INFO",
        1024 * 1024,
    )
    assert settings.event_source == "urn:meemaken:municipality:demo:system:kit"
    assert not settings.production
    env = {"DATABASE_URL": "sqlite://", "KIT_DATABASE_URL": "sqlite:///own.db", "LOG_LEVEL": "debug"}
    chosen = Settings.from_env("kit", env)
    assert (chosen.database_url, chosen.log_level) == ("sqlite:///own.db", "DEBUG")
    assert Settings.from_env("kit", {"DATABASE_URL": "sqlite://", "KIT_DATABASE_URL": ""}).database_url == "sqlite://"
    production = {
        "MEEMAKEN_ENV": "Production",
        "MEEMAKEN_TOKEN_ISSUER": "https://gw",
        "MEEMAKEN_JWKS_URL": "https://gw/k",
    }
    assert Settings.from_env("kit", production).production
    assert Settings.from_env("kit", {"LOG_LEVEL": "warn"}).log_level == "WARNING"


def test_a_secret_comes_from_its_file_and_is_never_shown(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("s3cret\n")
    env = {
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_USERNAME": "proposals",
        "KAFKA_SASL_PASSWORD_FILE": str(tmp_path / "password"),
    }
    settings = Settings.from_env("kit", env)
    assert settings.kafka_sasl_password is not None
    assert settings.kafka_sasl_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    assert isinstance(settings, EventSettings), "the kit's settings are the event library's too"
    assert connection_options(settings)["sasl_plain_password"] == "s3cret"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MEEMAKEN_MAX_CONTENT_LENGTH": "1MB"}, "MEEMAKEN_MAX_CONTENT_LENGTH: Input should be a valid integer"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
        ({"MEEMAKEN_ENV": "prod"}, "MEEMAKEN_ENV: Input should be 'development' or 'production' (got 'prod')"),
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL: Input should be 'PLAINTEXT'"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
        ({"MEEMAKEN_INBOX_RETENTION_DAYS": "0.5"}, "MEEMAKEN_INBOX_RETENTION_DAYS: Input should be greater than"),
        ({"KIT_BIND": "8100"}, "KIT_BIND: String should match pattern"),
        ({"KIT_THREADS": "0"}, "KIT_THREADS: Input should be greater than or equal to 1"),
        ({"MEEMAKEN_TIME_ZONE": "Brussels"}, "MEEMAKEN_TIME_ZONE: an IANA time zone such as Europe/Brussels (got"),
    ],
)
def test_a_wrong_value_stops_the_start_with_one_line_naming_it(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env("kit", env)
    line = str(refused.value)
    assert line.startswith("kit: configuration refused: ") and expected in line
    assert "\n" not in line
    assert isinstance(refused.value, SystemExit), "uncaught, it ends the process with this line, no traceback"


def test_a_password_given_wrong_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env("kit", {"KAFKA_SASL_PASSWORD_FILE": str(tmp_path / "missing")})
    assert "KAFKA_SASL_PASSWORD_FILE: cannot read" in str(refused.value)


def test_a_service_gets_its_own_settings_class() -> None:
    class KitSettings(Settings, service="kit-test"):
        pass

    try:
        assert type(Settings.from_env("kit-test", {})) is KitSettings
        assert type(Settings.from_env("unknown", {})) is Settings
    finally:
        del Settings.by_service["kit-test"]


def test_an_api_worker_with_a_refused_configuration_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from meemaken_kit.service import ServiceDefinition

    monkeypatch.setenv("LOG_LEVEL", "loud")
    service = ServiceDefinition[Settings]("kit", Path("."), lambda *_: None, lambda *_: [])  # type: ignore[arg-type,return-value]
    with pytest.raises(SystemExit) as stopped:
        service.wsgi_app()
    line = str(stopped.value.code)  # what the interpreter prints as the process exits (status 1)
    assert line.startswith("kit: configuration refused: LOG_LEVEL: ") and "\n" not in line
