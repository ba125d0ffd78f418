"""Challenges as tests need them."""

from datetime import UTC, datetime
from uuid import uuid4

from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.challenge import Challenge, Group, Submission

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

COMPLETE = Submission(
    why_better="We already run the community centre next door and can open the library on Sundays.",
    capacity_and_finances="Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
    local_support="412 signatures and the minutes of two neighbourhood meetings.",
    cost_estimate_cents=9_500_000,
    quality_guarantees="Opening hours at least as today; yearly survey of users.",
    continuity_and_exit="Six months' notice; staff and keys return to the municipality.",
    support_asked="Use of the building free of rent.",
)


def new_challenge(profile_code: str = "flanders") -> Challenge:
    group = Group("Buurtwerking De Linde", "vzw", uuid4(), (uuid4(),), 35)
    return Challenge(
        uuid4(), uuid4(), "culture", profiles()[profile_code], criteria_sets()["flemish-default"], group, COMPLETE
    )
