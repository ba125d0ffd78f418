"""The challenges service's settings: the shared ones (meemaken_kit.config); it has no variable of its own."""

from __future__ import annotations

from meemaken_kit.config import Settings


class ChallengesSettings(Settings, service="challenges"):
    pass
