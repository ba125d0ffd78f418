"""Small instances built by hand for the sortition tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from panels.domain.sortition import Feature, Instance, Person, Quota


def one_feature(
    values: Mapping[str, str],
    quotas: Mapping[str, tuple[int, int]],
    size: int,
    households: Mapping[str, str] | None = None,
) -> Instance:
    """People id -> value of the single feature `g`; quotas value -> (min, max)."""
    homes = households or {}
    people = [Person(pid, {"g": value}, homes.get(pid)) for pid, value in values.items()]
    return Instance(people, [Feature("g", {v: Quota(lo, hi) for v, (lo, hi) in quotas.items()})], size)


@pytest.fixture
def tiny() -> Callable[..., Instance]:
    return one_feature
