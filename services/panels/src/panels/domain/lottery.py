"""The transparent draw: a fair distribution rounded to a uniform lottery over m panels, committed before the draw.

Flanigan, Kehne, Procaccia, "Fair sortition made transparent" (NeurIPS 2021): a distribution over panels is
turned into a list of m panels, each drawn with probability 1/m, so that one public number from 1..m (dice
read out in the council chamber, or a published seed) picks the panel. The rounding moves each person's
selection probability a little; `Lottery.loss` reports by how much.

Here the rounding is an integer program: every panel of the distribution's support is listed n_j times with
n_j the floor or the ceiling of m·weight_j, the n_j sum to m, and the largest change of any person's
probability is as small as possible. When the solver cannot finish in time, largest remainders decide.

The commitment is a SHA-256 over the canonical JSON of what the draw depends on: the pseudonymised pool
with its strata, the quotas, the panel size, the algorithm's version and the m panels in order. It is
published before the draw; anyone can then replay the draw from the published artefacts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from panels.domain.sortition import Distribution, Instance
from panels.domain.sortition.highs import INF, Rows, column_values, is_optimal, pass_model, quiet_highs

ALGORITHM_VERSION = "meemaken-leximin/1"
DEFAULT_PANELS = 1000  # three ten-sided dice: 000..999
ROUNDING_SECONDS = 10.0  # the solver usually finds the best rounding at once; proving it can take long


class DrawError(ValueError):
    """The draw cannot proceed as asked (a number outside 1..m, artefacts that do not match their commitment)."""


@dataclass(frozen=True)
class Lottery:
    """m panels, each drawn with probability 1/m, and what the rounding cost."""

    panels: tuple[tuple[str, ...], ...]  # each panel's member ids, sorted; panel number i+1 is panels[i]
    probabilities: Mapping[str, float]  # every person's probability under this lottery
    fair: Mapping[str, float]  # the same under the distribution it rounds

    @property
    def size(self) -> int:
        return len(self.panels)

    @property
    def loss(self) -> float:
        """The largest change of any person's selection probability caused by the rounding."""
        return max((abs(self.probabilities[p] - self.fair[p]) for p in self.fair), default=0.0)

    @property
    def minimum(self) -> float:
        return min(self.probabilities.values(), default=0.0)


def round_to_lottery(distribution: Distribution, m: int = DEFAULT_PANELS, seconds: float = ROUNDING_SECONDS) -> Lottery:
    """The uniform lottery over `m` panels closest to `distribution` (in the largest change of any probability)."""
    if m < 1:
        raise DrawError("a lottery needs at least one panel")
    support = [(panel, w) for panel, w in zip(distribution.panels, distribution.weights, strict=True) if w > 0]
    support.sort(key=lambda item: tuple(sorted(item[0])))
    weights = np.array([w for _, w in support], dtype=np.float64)
    weights = weights / weights.sum()
    counts = _round_counts([p for p, _ in support], weights, distribution.probabilities, m, seconds)
    panels: list[tuple[str, ...]] = []
    for (panel, _), count in zip(support, counts, strict=True):
        panels += [tuple(sorted(panel))] * int(count)
    chosen: dict[str, float] = dict.fromkeys(distribution.probabilities, 0.0)
    for members in panels:
        for person in members:
            chosen[person] += 1 / m
    return Lottery(tuple(panels), chosen, dict(distribution.probabilities))


def _round_counts(
    panels: Sequence[frozenset[str]],
    weights: np.ndarray[Any, np.dtype[np.float64]],
    fair: Mapping[str, float],
    m: int,
    seconds: float,
) -> list[int]:
    scaled = weights * m
    floors = np.floor(scaled + 1e-9)
    fallback = _largest_remainders(scaled, floors, m)
    people = sorted(fair)
    index = {person: i for i, person in enumerate(people)}
    members: list[list[int]] = [[] for _ in people]
    for j, panel in enumerate(panels):
        for person in panel:
            members[index[person]].append(j)
    n = len(panels)
    # columns: n_0..n_{n-1} (integer, floor..ceil), then z (the largest deviation, in panels out of m)
    cost = np.zeros(n + 1)
    cost[n] = 1.0
    lower = np.append(floors, 0.0)
    upper = np.append(np.ceil(scaled - 1e-9), INF)
    rows = Rows()
    rows.add(np.arange(n), 1.0, m, m)
    for i, person in enumerate(people):
        target = fair[person] * m
        cols = np.array([*members[i], n], dtype=np.int64)
        rows.add(cols, np.append(np.ones(len(members[i])), -1.0), -INF, target)  # sum - z <= target
        rows.add(cols, np.append(np.ones(len(members[i])), 1.0), target, INF)  # sum + z >= target
    # within half a panel (out of m) of the best rounding is as good as it: stop there
    solver = quiet_highs(time_limit=seconds, mip_rel_gap=1e-6, mip_abs_gap=0.5)
    integer = np.append(np.ones(n, dtype=bool), False)
    pass_model(solver, cost, lower, upper, rows, integer=integer)
    solver.run()
    values = column_values(solver) if solver.getInfo().primal_solution_status == 2 or is_optimal(solver) else None
    if values is None:
        return fallback
    counts = [round(float(v)) for v in values[:n]]
    return counts if sum(counts) == m else fallback


def _largest_remainders(
    scaled: np.ndarray[Any, np.dtype[np.float64]], floors: np.ndarray[Any, np.dtype[np.float64]], m: int
) -> list[int]:
    counts = [int(f) for f in floors]
    order = sorted(range(len(scaled)), key=lambda j: (-(scaled[j] - floors[j]), j))
    for j in order[: m - sum(counts)]:
        counts[j] += 1
    return counts


@dataclass(frozen=True)
class Artefacts:
    """What is published before the draw: enough for anyone to check the lottery and replay the draw."""

    algorithm: str
    panel_size: int
    quotas: Mapping[str, Mapping[str, tuple[int, int]]]  # feature -> value -> (min, max)
    pool: Mapping[str, Mapping[str, str]]  # pseudonym -> feature -> value
    households: Mapping[str, str]  # pseudonym -> pseudonymised household key (only those sharing one matter)
    panels: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, instance: Instance, lottery: Lottery, algorithm: str = ALGORITHM_VERSION) -> Artefacts:
        return cls(
            algorithm=algorithm,
            panel_size=instance.panel_size,
            quotas={f.name: {v: (q.min, q.max) for v, q in f.values.items()} for f in instance.quotas},
            pool={p.id: dict(p.features) for p in instance.people},
            households={p.id: p.household for p in instance.people if p.household},
            panels=lottery.panels,
        )

    def document(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "panel_size": self.panel_size,
            "quotas": {f: {v: list(b) for v, b in sorted(vs.items())} for f, vs in sorted(self.quotas.items())},
            "pool": {p: dict(sorted(fs.items())) for p, fs in sorted(self.pool.items())},
            "households": dict(sorted(self.households.items())),
            "panels": [list(panel) for panel in self.panels],
        }

    @property
    def commitment(self) -> str:
        """SHA-256 (hex) of the canonical JSON document: sorted keys, no spaces, UTF-8."""
        canonical = json.dumps(self.document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Artefacts:
        try:
            return cls(
                algorithm=str(document["algorithm"]),
                panel_size=int(document["panel_size"]),
                quotas={f: {v: (int(b[0]), int(b[1])) for v, b in vs.items()} for f, vs in document["quotas"].items()},
                pool={str(p): {str(k): str(v) for k, v in fs.items()} for p, fs in document["pool"].items()},
                households={str(k): str(v) for k, v in document.get("households", {}).items()},
                panels=tuple(tuple(str(i) for i in panel) for panel in document["panels"]),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise DrawError(f"these are not draw artefacts: {exc}") from exc


def number_from_seed(commitment: str, seed: str, m: int) -> int:
    """The panel number (1..m) a published seed picks: SHA-256 of commitment and seed, modulo m."""
    digest = hashlib.sha256(f"{commitment}:{seed}".encode()).hexdigest()
    return int(digest, 16) % m + 1


def draw_number(artefacts: Artefacts, number: int) -> tuple[str, ...]:
    """The panel a public number picks; numbers run from 1 to the number of panels."""
    m = len(artefacts.panels)
    if not 1 <= number <= m:
        raise DrawError(f"the public number must lie between 1 and {m}, not {number}")
    return artefacts.panels[number - 1]


def check(artefacts: Artefacts, commitment: str) -> list[str]:
    """Everything wrong with published artefacts: the commitment, and any panel that breaks a quota or the
    household rule or has the wrong size. An empty list means they are what was committed to, and fair to use."""
    problems = []
    if artefacts.commitment != commitment:
        problems.append(f"the artefacts hash to {artefacts.commitment}, not to the commitment {commitment}")
    for number, panel in enumerate(artefacts.panels, start=1):
        if len(panel) != artefacts.panel_size:
            problems.append(f"panel {number} has {len(panel)} members, not {artefacts.panel_size}")
        unknown = [p for p in panel if p not in artefacts.pool]
        if unknown:
            problems.append(f"panel {number} has members outside the pool: {', '.join(unknown)}")
            continue
        for feature, values in artefacts.quotas.items():
            for value, (low, high) in values.items():
                count = sum(1 for p in panel if artefacts.pool[p].get(feature) == value)
                if not low <= count <= high:
                    problems.append(f"panel {number} has {count} with {feature}={value}, quota {low}..{high}")
        households = [artefacts.households[p] for p in panel if p in artefacts.households]
        if len(households) != len(set(households)):
            problems.append(f"panel {number} has two members of one household")
    return problems


def selection_probability(artefacts: Artefacts, pseudonym: str) -> float:
    """A person's chance of being drawn: the share of the m panels they sit on."""
    return sum(1 for panel in artefacts.panels if pseudonym in panel) / len(artefacts.panels)


def dice_needed(m: int) -> int:
    """Ten-sided dice to read out to pick one of m panels (their digits, modulo m, plus one)."""
    return max(1, math.ceil(math.log10(m))) if m > 1 else 1
