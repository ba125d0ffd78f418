"""The proposals service's settings: its own variable read once at start, a wrong value refused by name."""

from __future__ import annotations

import pytest

from meemaken_kit import Settings
from meemaken_kit.config import ConfigurationError
from proposals.bootstrap import SERVICE
from proposals.settings import ProposalsSettings


def test_its_own_settings_with_the_shared_ones() -> None:
    settings = SERVICE.settings({"DATABASE_URL": "sqlite://", "PROPOSALS_SCHEDULE_INTERVAL": "5"})
    assert isinstance(settings, ProposalsSettings)
    assert (settings.schedule_interval, settings.database_url) == (5.0, "sqlite://")
    assert Settings.from_env("proposals", {}).schedule_interval == 30.0


@pytest.mark.parametrize("value", ["soon", "0"])
def test_a_wrong_interval_stops_the_start_naming_it(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^proposals: configuration refused: PROPOSALS_SCHEDULE_INTERVAL: "):
        SERVICE.settings({"PROPOSALS_SCHEDULE_INTERVAL": value})
