"""Challenges as tests need them."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.challenge import Challenge, Group, Submission
from challenges.domain.gates import Facts, Window, check_gates

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
    profile = profiles()[profile_code]
    criteria = criteria_sets()[profile.criteria_sets[0]]  # each law its own criteria
    return Challenge(uuid4(), uuid4(), "culture", profile, criteria, group, COMPLETE)


def facts(challenge, **changes):
    values = dict(
        submitted_at=challenge.submitted_at or NOW,
        task_open=True,
        windows=(Window(NOW - timedelta(days=30), NOW + timedelta(days=30)),),
        blocked_by=None,
        eligible_legal_forms=("vzw", "stichting", "vereniging", "charity"),
        min_members=5,
        legal_form=challenge.group.legal_form,
        members_count=challenge.group.members_count,
        missing_parts=tuple(challenge.submission.missing()),
        open_challenges_on_task=0,
    )
    values.update(changes)
    return Facts(**values)


def admitted(profile_code):
    c = new_challenge(profile_code)
    c.submit(NOW)
    c.acknowledge(NOW)
    c.start_admissibility_check(NOW)
    c.record_gates(check_gates(c.profile, facts(c)), NOW)
    return c


def assessed(c, value):
    assessor = uuid4()
    c.assign_assessor(NOW, assessor)
    for criterion in c.criteria.criteria:
        # a score where the criteria are weighted; the motivation alone where they are considered (England)
        c.score(NOW, assessor, criterion.code, value if c.criteria.weighted else None, f"On {criterion.code}.")
    judged = {g.code: (True, "Checked with legal services.") for g in c.profile.gates if not g.automatic}
    c.propose_decision(NOW + timedelta(days=20), judged)
    return c
