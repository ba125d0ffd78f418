"""Properties on seeded synthetic pools (skewed, with households): valid support, sound probabilities,
LEXIMIN never lexicographically below MAXIMIN, LEGACY's minimum lower on skewed pools."""

from __future__ import annotations

import random

import pytest

from panels.domain.sortition import Distribution, Instance, legacy_probabilities, leximin, make_rng, maximin
from panels.domain.sortition.synthetic import synthetic_instance

POOLS = [  # respondents, panel size, features, seed, skew
    (40, 8, 2, 1, 0.5),
    (60, 10, 3, 2, 1.0),
    (80, 12, 3, 3, 1.5),
]
TOL = 1e-6


@pytest.fixture(scope="module", params=POOLS, ids=lambda p: f"{p[0]}-{p[1]}-seed{p[3]}")
def solved(request: pytest.FixtureRequest) -> tuple[Instance, Distribution, Distribution]:
    n, k, features, seed, skew = request.param
    instance = synthetic_instance(n, k, features, random.Random(seed), skew=skew, household_share=0.3)
    assert instance.households, "the pools are meant to have households"
    return instance, leximin(instance), maximin(instance)


def test_every_panel_in_the_support_meets_every_quota_and_the_household_rule(solved: tuple) -> None:
    instance, *distributions = solved
    for distribution in distributions:
        assert distribution.panels
        for panel in distribution.panels:
            assert instance.violations(panel) == []
        assert sum(distribution.weights) == pytest.approx(1.0)
        assert all(w > 0 for w in distribution.weights)


def test_probabilities_sum_to_the_panel_size_and_lie_in_the_unit_interval(solved: tuple) -> None:
    instance, *distributions = solved
    for distribution in distributions:
        assert set(distribution.probabilities) == set(instance.ids)
        assert sum(distribution.probabilities.values()) == pytest.approx(instance.panel_size, abs=1e-6)
        assert all(-TOL <= p <= 1 + TOL for p in distribution.probabilities.values())


def test_leximin_is_never_lexicographically_below_maximin(solved: tuple) -> None:
    _, lexi, maxi = solved
    ours, theirs = sorted(lexi.probabilities.values()), sorted(maxi.probabilities.values())
    assert ours[0] == pytest.approx(theirs[0], abs=1e-5)  # both maximise the minimum
    for a, b in zip(ours, theirs, strict=True):
        if abs(a - b) > 1e-5:
            assert a > b
            break


def test_legacy_minimum_is_lower_on_skewed_pools() -> None:
    instance = synthetic_instance(60, 10, 3, random.Random(2), skew=1.5, household_share=0.3)
    fair = leximin(instance).minimum
    greedy = min(legacy_probabilities(instance, 600, make_rng(11)).values())
    assert greedy < fair - 0.01
