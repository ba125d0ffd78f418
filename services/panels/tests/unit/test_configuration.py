"""The panels service's settings. The pseudonymisation key comes from configuration; in production the service
refuses to start without a key of its own (the development key is in the source code: pseudonyms made with it
are reversible). A wrong value stops the start with one line naming the variable."""

from __future__ import annotations

import logging

import pytest

from meemaken_kit.config import ConfigurationError
from panels.bootstrap import SERVICE
from panels.settings import DEVELOPMENT_KEY

SECRET = "a-municipal-secret-of-some-length"
PRODUCTION = {
    "MEEMAKEN_ENV": "production",
    "MEEMAKEN_TOKEN_ISSUER": "https://gateway.example",
    "MEEMAKEN_JWKS_URL": "https://gateway.example/.well-known/jwks.json",
}


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "set PANELS_PSEUDONYM_KEY"),
        ({"PANELS_PSEUDONYM_KEY": ""}, "set PANELS_PSEUDONYM_KEY"),
        ({"PANELS_PSEUDONYM_KEY": DEVELOPMENT_KEY}, "development key would make every pseudonym reversible"),
        ({"PANELS_PSEUDONYM_KEY": "short"}, "at least 16 characters"),
    ],
)
def test_production_refuses_a_missing_development_or_weak_key(env, problem):
    with pytest.raises(ConfigurationError, match=problem) as refused:
        SERVICE.settings({**PRODUCTION, **env})
    assert "short" not in str(refused.value), "a secret is never shown"


def test_production_refuses_the_development_key_from_a_file_too(tmp_path):
    secret = tmp_path / "key"
    secret.write_text(DEVELOPMENT_KEY + "\n")
    with pytest.raises(ConfigurationError, match="reversible"):
        SERVICE.settings({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(secret)})


def test_the_key_comes_from_the_environment_or_a_file(tmp_path):
    assert SERVICE.settings({**PRODUCTION, "PANELS_PSEUDONYM_KEY": SECRET}).pseudonym_key_bytes() == SECRET.encode()
    secret = tmp_path / "key"
    secret.write_text(SECRET + "\n")
    from_file = SERVICE.settings({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(secret)})
    assert from_file.pseudonym_key_bytes() == SECRET.encode()
    assert SECRET not in repr(from_file)
    with pytest.raises(ConfigurationError, match="PANELS_PSEUDONYM_KEY_FILE: cannot read"):
        SERVICE.settings({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(tmp_path / "absent")})
    with pytest.raises(ConfigurationError, match="not both"):
        SERVICE.settings({"PANELS_PSEUDONYM_KEY": SECRET, "PANELS_PSEUDONYM_KEY_FILE": str(secret)})


def test_outside_production_a_missing_key_is_the_development_key_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="meemaken.panels"):
        assert SERVICE.settings({}).pseudonym_key_bytes() == DEVELOPMENT_KEY.encode()
    assert "fit for trials only" in caplog.text


def test_its_own_settings_and_a_wrong_one_refused_by_name():
    settings = SERVICE.settings({"PANELS_LOTTERY_INTERVAL": "0.5", "NOTIFICATIONS_BASE_URL": "http://n:1"})
    assert (settings.lottery_interval, settings.notifications_base_url) == (0.5, "http://n:1")
    with pytest.raises(ConfigurationError, match=r"^panels: configuration refused: PANELS_LOTTERY_INTERVAL: "):
        SERVICE.settings({"PANELS_LOTTERY_INTERVAL": "often"})
