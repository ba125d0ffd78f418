"""The challenges service's settings: the shared ones (meemaken_kit.config), one of them with its own default."""

from __future__ import annotations

from meemaken_kit.config import Settings, variable


class ChallengesSettings(Settings, service="challenges"):
    relay_batch_size: int = variable(
        "CHALLENGES_RELAY_BATCH_SIZE",
        1000,
        "outbox rows the relay reads, sends and marks together: a gate check stages five a challenge, so a "
        "consumer batch of 500 submissions leaves 2,500 (the shared default is 500)",
        ge=1,
    )
