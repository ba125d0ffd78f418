"""Our LEXIMIN's minimum equals the reference package's MAXIMIN minimum (on HiGHS); needs
`pip install -r bench/requirements-sortition.txt`, skipped otherwise."""

from __future__ import annotations

import random

import pytest

from panels.domain.sortition import Instance, leximin
from panels.domain.sortition.synthetic import synthetic_instance

pytestmark = pytest.mark.reference


def reference_minimum(instance: Instance) -> float:
    committee_generation = pytest.importorskip("sortition_algorithms.committee_generation")
    features_module = pytest.importorskip("sortition_algorithms.features")
    people_module = pytest.importorskip("sortition_algorithms.people")
    features = {
        f.name: {v: features_module.FeatureValueMinMax(min=q.min, max=q.max) for v, q in f.values.items()}
        for f in instance.quotas
    }
    people = people_module.People(["household"])
    for row, person in enumerate(instance.people):
        data = {**person.features, "household": person.household or f"alone:{person.id}"}
        people.add(person.id, data, features, row)
    panels, weights, _ = committee_generation.find_distribution_maximin(
        features, people, instance.panel_size, ["household"], "highspy"
    )
    probability = dict.fromkeys(instance.ids, 0.0)
    for panel, weight in zip(panels, weights, strict=True):
        for pid in panel:
            probability[pid] += weight
    return min(probability.values())


@pytest.mark.parametrize(("n", "k", "features", "seed"), [(30, 6, 2, 1), (40, 8, 3, 2)])
def test_leximin_minimum_matches_reference_maximin(n: int, k: int, features: int, seed: int) -> None:
    instance = synthetic_instance(n, k, features, random.Random(seed), skew=1.0, household_share=0.3)
    expected = reference_minimum(instance)
    assert leximin(instance).minimum == pytest.approx(expected, abs=1e-4)
