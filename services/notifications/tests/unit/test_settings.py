"""The notifications service's settings: SMTP and delivery variables read once at start, with their defaults;
a wrong value stops the start with one line naming the variable; the SMTP password is never shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meemaken_testkit.service_checks import refused_settings
from notifications.bootstrap import SERVICE


def test_the_defaults_and_the_tls_port() -> None:
    own = SERVICE.settings({}).delivery()
    assert (own.smtp.host, own.smtp.port, own.smtp.security, own.smtp.connections) == ("127.0.0.1", 25, "none", 4)
    assert (own.max_attempts, own.first_retry, own.retention) == (8, timedelta(seconds=30), timedelta(days=90))
    assert own.digest_timezone == "Europe/Brussels"
    assert SERVICE.settings({"SMTP_SECURITY": "TLS"}).delivery().smtp.port == 465


def test_the_password_comes_from_a_file_and_is_never_shown(tmp_path) -> None:
    (tmp_path / "smtp").write_text("mail-secret\n")
    settings = SERVICE.settings({"SMTP_USERNAME": "meemaken", "SMTP_PASSWORD_FILE": str(tmp_path / "smtp")})
    assert settings.delivery().smtp.password == "mail-secret"
    assert "mail-secret" not in repr(settings) and "mail-secret" not in repr(settings.delivery())


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SMTP_SECURITY": "ssl"}, "SMTP_SECURITY: Input should be 'none', 'starttls' or 'tls' (got 'ssl')"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT: Input should be a valid integer"),
        ({"SMTP_CONNECTIONS": "0"}, "SMTP_CONNECTIONS: Input should be greater than or equal to 1"),
        ({"NOTIFICATIONS_DIGEST_TIMEZONE": "Brussels"}, "NOTIFICATIONS_DIGEST_TIMEZONE: an IANA time zone"),
    ],
)
def test_a_wrong_value_stops_the_start_naming_it(env: dict[str, str], expected: str) -> None:
    assert expected in refused_settings(SERVICE, env)
