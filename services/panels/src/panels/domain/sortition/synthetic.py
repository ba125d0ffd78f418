"""Synthetic respondent pools for tests and benchmarks: census-like quotas over a skewed, clustered pool."""

from __future__ import annotations

import math
import random

from panels.domain.sortition.instance import Feature, Instance, Person, Quota


def synthetic_instance(
    respondents: int,
    panel_size: int,
    features: int,
    rng: random.Random,
    *,
    skew: float = 0.5,
    household_share: float = 0.15,
    slack: float = 0.15,
) -> Instance:
    """Each feature has 2-5 values with census shares; respondents over-represent the first values by `skew`;
    quotas are the census share of the panel +- `slack`; `household_share` of people live in pairs."""
    census: list[tuple[str, list[str], list[float]]] = []
    for f in range(features):
        count = rng.randint(2, 5)
        shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
        total = sum(shares)
        census.append((f"f{f}", [f"v{f}_{v}" for v in range(count)], [s / total for s in shares]))
    quotas = []
    for name, values, shares in census:
        bounds = {}
        for value, share in zip(values, shares, strict=True):
            target = share * panel_size
            bounds[value] = Quota(max(0, math.floor(target * (1 - slack))), math.ceil(target * (1 + slack)) + 1)
        quotas.append(Feature(name, bounds))
    people: list[Person] = []
    household = 0
    for i in range(respondents):
        traits: dict[str, str] = {}
        for name, names, shares in census:
            tilted = [s * (1 + skew) ** (-j) for j, s in enumerate(shares)]
            traits[name] = rng.choices(names, weights=tilted, k=1)[0]
        if i % 2 == 1 and rng.random() < household_share:
            home = f"h{household}"
            household += 1
            previous = people[-1]
            people[-1] = Person(previous.id, previous.features, home)
            people.append(Person(f"p{i}", traits, home))
        else:
            people.append(Person(f"p{i}", traits, None))
    return Instance(people, quotas, panel_size)
