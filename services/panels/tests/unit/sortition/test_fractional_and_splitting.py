"""The fast path (leximin over fractional panels, then split into whole panels) and the column-generation path
that takes over when the split fails: both give the same lottery, and the split's panels are valid."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable

import numpy as np
import pytest

from panels.domain.sortition import Instance, leximin, maximin
from panels.domain.sortition.face import Face
from panels.domain.sortition.leximin import leximin_by_columns
from panels.domain.sortition.panel_program import PanelProgram
from panels.domain.sortition.relaxation import fractional_leximin
from panels.domain.sortition.splitting import WALK_GAP, split
from panels.domain.sortition.synthetic import synthetic_instance

splitting = importlib.import_module("panels.domain.sortition.splitting")


@pytest.fixture(scope="module")
def pool() -> Instance:
    return synthetic_instance(60, 10, 3, random.Random(2), skew=1.0, household_share=0.3)


def test_fractional_levels_are_a_point_of_the_relaxation(pool: Instance) -> None:
    levels, point = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    assert point.sum() == pytest.approx(pool.panel_size, abs=1e-6)
    assert np.all(point >= levels - 1e-6)
    for stratum in pool.strata:
        assert stratum.quota.min - 1e-6 <= point[stratum.members].sum() <= stratum.quota.max + 1e-6


def test_split_panels_meet_every_quota_and_approach_the_point(pool: Instance) -> None:
    _, point = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    panels, weights = split(pool, PanelProgram(pool), point)
    assert panels and sum(weights) <= 1 + 1e-9
    for panel in panels:
        assert pool.violations(pool.people[i].id for i in panel) == []
    reached = np.zeros(len(pool.people))
    for panel, weight in zip(panels, weights, strict=True):
        reached[list(panel)] += weight
    assert np.all(reached <= point + 1e-6)


def test_the_lottery_gives_everyone_the_fractional_leximin_level(pool: Instance) -> None:
    levels, _ = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    probabilities = leximin(pool).probabilities
    for i, person in enumerate(pool.people):
        assert probabilities[person.id] == pytest.approx(levels[i], abs=1e-6), person.id


def test_a_walk_step_takes_a_panel_of_the_face_within_the_gap_of_the_heaviest(pool: Instance) -> None:
    _, point = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    face = Face.of(pool, point)
    program = PanelProgram(pool)
    program.restrict(face)
    heaviest = program.best_panel(point)
    assert heaviest is not None
    found = splitting._heavy_panel(PanelProgram(pool), PanelProgram(pool, integral=False), face, point)
    assert found is not None and face.holds(pool, found[0])
    assert found[1] >= heaviest[1] * (1 - WALK_GAP) - 1e-9
    assert found[1] == pytest.approx(point[list(found[0])].sum())


def test_a_walk_step_searches_the_whole_face_when_the_small_program_falls_short(
    pool: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, point = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    face = Face.of(pool, point)
    program = PanelProgram(pool)
    program.restrict(face)
    heaviest = program.best_panel(point)
    monkeypatch.setattr(splitting, "WALK_GAP", -1.0)  # no panel is close enough to the LP bound
    searching = PanelProgram(pool)
    found = splitting._heavy_panel(searching, PanelProgram(pool, integral=False), face, point)
    assert searching.solves == 2 and found == heaviest


def test_face_of_a_point_makes_tight_quotas_equalities(tiny: Callable[..., Instance]) -> None:
    instance = tiny({"A": "f", "B": "f", "C": "m", "D": "m"}, {"f": (1, 2), "m": (0, 2)}, 2)
    face = Face.of(instance, np.asarray([1.0, 0.0, 0.5, 0.5]))
    assert face.person_lower.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert face.person_upper.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert face.stratum_lower.tolist() == [1, 0] and face.stratum_upper.tolist() == [1, 2]  # f at its minimum


def test_column_generation_path_gives_the_same_leximin(pool: Instance) -> None:
    fast = leximin(pool).probabilities
    slow = leximin_by_columns(pool, PanelProgram(pool)).probabilities
    for pid, probability in fast.items():
        assert probability == pytest.approx(slow[pid], abs=1e-5), pid


def test_failed_split_falls_back_to_column_generation(pool: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    expected_leximin, expected_maximin = leximin(pool), maximin(pool)
    for name in ("leximin", "maximin"):  # the package's names are the functions: reach the modules themselves
        module = importlib.import_module(f"panels.domain.sortition.{name}")
        monkeypatch.setattr(module, "split_lottery", lambda *args: None)
    for algorithm, expected in ((leximin, expected_leximin), (maximin, expected_maximin)):
        distribution = algorithm(pool)
        assert distribution.minimum == pytest.approx(expected.minimum, abs=1e-6)
        for panel in distribution.panels:
            assert pool.violations(panel) == []


def test_same_instance_same_lottery(pool: Instance) -> None:
    first, second = leximin(pool), leximin(pool)
    assert first.panels == second.panels and first.weights == second.weights
