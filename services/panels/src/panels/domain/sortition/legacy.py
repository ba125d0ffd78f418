"""LEGACY: the greedy draw practitioners used before LEXIMIN, and its selection probabilities by sampling.

Seat by seat: among the values still short of their minimum, take the most urgent one (seats still needed
divided by people left with it), draw a random person having it (anyone, once every minimum is met), then
drop everyone whose value has reached its maximum, and the person's housemates. A dead end restarts.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np

from panels.domain.sortition.distribution import Distribution, to_distribution
from panels.domain.sortition.errors import SelectionFailed
from panels.domain.sortition.instance import Instance
from panels.domain.sortition.panel_program import Panel


def _attempt(instance: Instance, rng: random.Random) -> Panel | None:
    strata = instance.strata
    person_strata: list[list[int]] = [[] for _ in instance.people]
    for s, stratum in enumerate(strata):
        for i in stratum.members.tolist():
            person_strata[i].append(s)
    housemates: dict[int, list[int]] = {}
    for household in instance.households:
        for i in household.tolist():
            housemates[i] = [j for j in household.tolist() if j != i]
    remaining = set(range(len(instance.people)))
    left = [set(stratum.members.tolist()) for stratum in strata]
    selected = [0] * len(strata)
    panel: set[int] = set()

    def drop(person: int) -> None:
        remaining.discard(person)
        for s in person_strata[person]:
            left[s].discard(person)

    while len(panel) < instance.panel_size:
        urgent, urgency = -1, 0.0
        for s, stratum in enumerate(strata):
            short = stratum.quota.min - selected[s]
            if short > 0:
                if not left[s]:
                    return None
                ratio = short / len(left[s])
                if ratio > urgency:
                    urgent, urgency = s, ratio
        if urgency > 1 or not remaining:
            return None
        pool = left[urgent] if urgent >= 0 else remaining
        person = rng.choice(sorted(pool))
        panel.add(person)
        drop(person)
        for s in person_strata[person]:
            selected[s] += 1
            if selected[s] >= strata[s].quota.max:
                for other in list(left[s]):
                    drop(other)
        for other in housemates.get(person, []):
            drop(other)
    if any(selected[s] < stratum.quota.min for s, stratum in enumerate(strata)):
        return None
    return frozenset(panel)


def legacy_panel(instance: Instance, rng: random.Random, attempts: int = 100) -> frozenset[str]:
    """One panel by the greedy algorithm, restarting after a dead end up to `attempts` times."""
    for _ in range(attempts):
        panel = _attempt(instance, rng)
        if panel is not None:
            return frozenset(instance.people[i].id for i in panel)
    raise SelectionFailed(f"the legacy algorithm found no panel in {attempts} attempts")


def legacy_distribution(instance: Instance, samples: int, rng: random.Random, attempts: int = 100) -> Distribution:
    """The empirical lottery of `samples` legacy draws (each panel weighted by how often it came up)."""
    counts: Counter[Panel] = Counter()
    for _ in range(samples):
        for _ in range(attempts):
            panel = _attempt(instance, rng)
            if panel is not None:
                counts[panel] += 1
                break
        else:
            raise SelectionFailed(f"the legacy algorithm found no panel in {attempts} attempts")
    panels = list(counts)
    return to_distribution(instance, panels, np.asarray([counts[p] for p in panels], dtype=np.float64))


def legacy_probabilities(instance: Instance, samples: int, rng: random.Random) -> dict[str, float]:
    """Each person's selection probability under the legacy algorithm, estimated from `samples` draws."""
    return legacy_distribution(instance, samples, rng).probabilities
