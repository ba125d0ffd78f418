"""The challenges service reads the shared settings once at start; a wrong value stops it with one line."""

from __future__ import annotations

from challenges.bootstrap import SERVICE
from challenges.settings import ChallengesSettings
from meemaken_testkit.service_checks import refused_settings


def test_its_settings_are_its_own_class() -> None:
    settings = SERVICE.settings({"CHALLENGES_DATABASE_URL": "sqlite://", "DATABASE_URL": "sqlite:///other.db"})
    assert isinstance(settings, ChallengesSettings)
    assert settings.database_url == "sqlite://"
    assert settings.event_source == "urn:meemaken:municipality:demo:system:challenges"


def test_a_wrong_value_stops_the_start_naming_the_variable() -> None:
    assert refused_settings(SERVICE, {"MEEMAKEN_MAX_CONTENT_LENGTH": "ten megabytes"}) == (
        "challenges: configuration refused: MEEMAKEN_MAX_CONTENT_LENGTH: Input should be a valid integer, "
        "unable to parse string as an integer (got 'ten megabytes')"
    )
