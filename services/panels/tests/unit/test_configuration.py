"""The pseudonymisation key comes from configuration; in production the service refuses to start without a
key of its own (the development key is in the source code: pseudonyms made with it are reversible)."""

from __future__ import annotations

import logging

import pytest

from meemaken_kit import Settings
from panels.bootstrap import DEVELOPMENT_KEY, MissingSecret, pseudonym_key, unit_of_work_factory

SECRET = "a-municipal-secret-of-some-length"
PRODUCTION = {"MEEMAKEN_ENV": "production"}


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
    with pytest.raises(MissingSecret, match=problem):
        pseudonym_key({**PRODUCTION, **env})


def test_production_refuses_the_development_key_from_a_file_too(tmp_path):
    secret = tmp_path / "key"
    secret.write_text(DEVELOPMENT_KEY + "\n")
    with pytest.raises(MissingSecret, match="reversible"):
        pseudonym_key({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(secret)})


def test_the_key_comes_from_the_environment_or_a_file(tmp_path):
    assert pseudonym_key({**PRODUCTION, "PANELS_PSEUDONYM_KEY": SECRET}) == SECRET.encode()
    secret = tmp_path / "key"
    secret.write_text(SECRET + "\n")
    assert pseudonym_key({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(secret)}) == SECRET.encode()
    with pytest.raises(MissingSecret, match="cannot be read"):
        pseudonym_key({**PRODUCTION, "PANELS_PSEUDONYM_KEY_FILE": str(tmp_path / "absent")})
    with pytest.raises(MissingSecret, match="not both"):
        pseudonym_key({"PANELS_PSEUDONYM_KEY": SECRET, "PANELS_PSEUDONYM_KEY_FILE": str(secret)})


def test_outside_production_a_missing_key_is_the_development_key_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="meemaken.panels"):
        assert pseudonym_key({}) == DEVELOPMENT_KEY.encode()
    assert "fit for trials only" in caplog.text


def test_the_service_does_not_start_in_production_without_its_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MEEMAKEN_ENV", "production")
    monkeypatch.delenv("PANELS_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PANELS_PSEUDONYM_KEY_FILE", raising=False)
    settings = Settings.from_env("panels", {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    with pytest.raises(MissingSecret, match="MEEMAKEN_ENV=production"):
        unit_of_work_factory(settings, engine=None)  # type: ignore[arg-type]
