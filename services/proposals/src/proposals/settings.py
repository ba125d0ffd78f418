"""The proposals service's settings: the shared ones (meemaken_kit.config) and its own."""

from __future__ import annotations

from meemaken_kit.config import Settings, variable


class ProposalsSettings(Settings, service="proposals"):
    schedule_interval: float = variable(
        "PROPOSALS_SCHEDULE_INTERVAL", 30.0, "seconds between the worker's looks for answer terms that passed", gt=0
    )
    threads: int = variable(
        "PROPOSALS_THREADS",
        8,
        "threads per API process (Granian): 8 of 2 processes took the most ballots (bench/README.md, ballots)",
        ge=1,
    )
