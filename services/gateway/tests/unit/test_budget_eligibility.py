"""Who may vote, as the portal explains it before the ballot: the same facts and order of checks as the
proposals service (age, then residence, then district; a missing fact last, with the round's rule)."""

import pytest

from gateway.portal.budgets import Verdict, Voter, verdict

RULES = {"min_age": 16, "residents_only": True, "districts": [], "unverified": "desk"}


@pytest.mark.parametrize(
    ("attributes", "rules", "expected"),
    [
        ({"age": 40, "resident": True, "municipality": "demo"}, {}, Verdict("eligible")),
        ({"age": 14, "resident": True, "municipality": "demo"}, {}, Verdict("too_young")),
        ({"age": 40, "resident": False, "municipality": "elsewhere"}, {}, Verdict("not_resident")),
        ({"age": 40, "resident": True, "municipality": "other-town"}, {}, Verdict("not_resident")),
        ({"resident": True, "municipality": "demo"}, {}, Verdict("unknown", ("age",), True)),
        ({}, {"unverified": "refuse"}, Verdict("unknown", ("age", "residence"), False)),
        ({"age": 14}, {"min_age": 0, "residents_only": False}, Verdict("eligible")),
        (
            {"age": 40, "resident": True, "municipality": "demo", "district": "noord"},
            {"districts": ["centrum"]},
            Verdict("other_district"),
        ),
        (
            {"age": 40, "resident": True, "municipality": "demo"},
            {"districts": ["centrum"]},
            Verdict("unknown", ("district",), True),
        ),
        (
            {"age": True, "resident": True, "municipality": "demo"},
            {},
            Verdict("unknown", ("age",), True),
        ),  # not a number
    ],
)
def test_the_verdict_follows_the_login_facts_and_the_rounds_rule(attributes, rules, expected):
    assert verdict(RULES | rules, Voter.of(attributes, "demo")) == expected
