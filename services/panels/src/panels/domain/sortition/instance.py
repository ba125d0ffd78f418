"""The selection problem: a pool of people, quotas per feature value, and the panel size."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from panels.domain.sortition.errors import SortitionInputError

IndexArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Quota:
    """How many panel members must (min) and may (max) have one value; the flex bounds limit any relaxation."""

    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None


@dataclass(frozen=True)
class Feature:
    """A stratifying feature (gender, age band...) with the quota of each of its values."""

    name: str
    values: Mapping[str, Quota]


@dataclass(frozen=True)
class Person:
    """A respondent: their id, their value of each feature, and their household key (None: lives alone)."""

    id: str
    features: Mapping[str, str]
    household: str | None = None


@dataclass(frozen=True)
class Stratum:
    """The people (by index) having one value of one feature, with its quota."""

    feature: str
    value: str
    quota: Quota
    members: IndexArray = field(compare=False)


class Instance:
    """A validated selection problem; people are also addressed by their index in `people`."""

    def __init__(self, people: Sequence[Person], quotas: Sequence[Feature], panel_size: int) -> None:
        self.people: tuple[Person, ...] = tuple(people)
        self.quotas: tuple[Feature, ...] = tuple(quotas)
        self.panel_size = panel_size
        self._validate()
        self.index: dict[str, int] = {person.id: i for i, person in enumerate(self.people)}

    @property
    def ids(self) -> list[str]:
        return [person.id for person in self.people]

    @cached_property
    def strata(self) -> tuple[Stratum, ...]:
        by_value: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, person in enumerate(self.people):
            for feature in self.quotas:
                by_value[feature.name, person.features[feature.name]].append(i)
        return tuple(
            Stratum(feature.name, value, quota, np.asarray(by_value[feature.name, value], dtype=np.int64))
            for feature in self.quotas
            for value, quota in feature.values.items()
        )

    @cached_property
    def households(self) -> tuple[IndexArray, ...]:
        """Groups of two or more people sharing a non-empty household key: at most one of each may sit."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i, person in enumerate(self.people):
            if person.household:
                groups[person.household].append(i)
        return tuple(np.asarray(members, dtype=np.int64) for members in groups.values() if len(members) > 1)

    def violations(self, panel: Iterable[str]) -> list[str]:
        """What is wrong with a panel (size, quotas, housemates); empty when it is valid."""
        members = list(panel)
        problems = []
        if len(members) != self.panel_size or len(set(members)) != len(members):
            problems.append(f"panel has {len(set(members))} distinct people, not {self.panel_size}")
        chosen = [self.people[self.index[pid]] for pid in set(members)]
        for feature in self.quotas:
            counts = Counter(person.features[feature.name] for person in chosen)
            for value, quota in feature.values.items():
                if not quota.min <= counts[value] <= quota.max:
                    problems.append(f"{feature.name}={value}: {counts[value]} not in [{quota.min}, {quota.max}]")
        homes = Counter(person.household for person in chosen if person.household)
        problems.extend(f"household {home!r} has {n} members on the panel" for home, n in homes.items() if n > 1)
        return problems

    def _validate(self) -> None:
        k = self.panel_size
        if k <= 0:
            raise SortitionInputError(f"panel size must be positive, got {k}", {"panel_size": k})
        if k > len(self.people):
            raise SortitionInputError(
                f"panel size {k} exceeds the {len(self.people)} people in the pool",
                {"panel_size": k, "people": len(self.people)},
            )
        names = [feature.name for feature in self.quotas]
        if len(set(names)) != len(names):
            raise SortitionInputError("a feature is declared twice", {"features": names})
        for feature in self.quotas:
            _validate_feature(feature, k)
        seen: set[str] = set()
        for row, person in enumerate(self.people):
            if person.id in seen:
                raise SortitionInputError(f"duplicate person id {person.id!r}", {"person": person.id, "row": row})
            seen.add(person.id)
            for feature in self.quotas:
                value = person.features.get(feature.name)
                if value is None or value == "":
                    raise SortitionInputError(
                        f"person {person.id!r} has no value for feature {feature.name!r}",
                        {"person": person.id, "feature": feature.name, "row": row},
                    )
                if value not in feature.values:
                    raise SortitionInputError(
                        f"person {person.id!r} has value {value!r} for feature {feature.name!r}, "
                        f"which is not one of its declared values {sorted(feature.values)}",
                        {"person": person.id, "feature": feature.name, "value": value, "row": row},
                    )


def _validate_feature(feature: Feature, k: int) -> None:
    if not feature.values:
        raise SortitionInputError(f"feature {feature.name!r} declares no values", {"feature": feature.name})
    for value, quota in feature.values.items():
        if quota.min < 0 or quota.max < quota.min:
            raise SortitionInputError(
                f"quota {feature.name}={value} has min {quota.min} and max {quota.max}",
                {"feature": feature.name, "value": value},
            )
    total_min = sum(quota.min for quota in feature.values.values())
    total_max = sum(quota.max for quota in feature.values.values())
    if total_min > k:
        raise SortitionInputError(
            f"the minimums of feature {feature.name!r} add up to {total_min}, more than the panel size {k}",
            {"feature": feature.name, "sum_min": total_min, "panel_size": k},
        )
    if total_max < k:
        raise SortitionInputError(
            f"the maximums of feature {feature.name!r} add up to {total_max}, less than the panel size {k}",
            {"feature": feature.name, "sum_max": total_max, "panel_size": k},
        )
