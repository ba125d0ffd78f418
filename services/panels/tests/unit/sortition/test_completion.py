"""The walk's open seats completed by search (completion.complete_panel): panels of the face, the lottery's
marginals unchanged, and the integer programs taking over when the search gives up."""

from __future__ import annotations

import importlib
import random

import numpy as np
import pytest

from panels.domain.sortition import Instance, leximin
from panels.domain.sortition.completion import complete_panel
from panels.domain.sortition.face import Face
from panels.domain.sortition.panel_program import PanelProgram
from panels.domain.sortition.relaxation import fractional_leximin
from panels.domain.sortition.synthetic import synthetic_instance

completion = importlib.import_module("panels.domain.sortition.completion")
splitting = importlib.import_module("panels.domain.sortition.splitting")


@pytest.fixture(scope="module")
def pool() -> Instance:
    return synthetic_instance(80, 12, 3, random.Random(3), skew=1.5, household_share=0.3)


def _face_and_optimum(pool: Instance) -> tuple[Face, np.ndarray, np.ndarray]:
    _, point = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    face = Face.of(pool, point)
    relaxed = PanelProgram(pool, integral=False)
    relaxed.restrict(face)
    found = relaxed.optimum(point)
    assert found is not None
    return face, point, found[0]


def test_the_completion_keeps_the_seated_and_gives_a_panel_of_the_face(pool: Instance) -> None:
    face, point, x = _face_and_optimum(pool)
    seated = x > 1 - 1e-7
    open_ = np.flatnonzero((face.person_upper > 0.5) & ~seated)
    panel = complete_panel(pool, face, seated, open_[np.argsort(-point[open_], kind="stable")])
    assert panel is not None and len(panel) == pool.panel_size
    assert set(np.flatnonzero(seated).tolist()) <= panel
    assert face.holds(pool, panel)
    assert pool.violations(pool.people[i].id for i in panel) == []


def test_no_completion_when_the_seated_fill_a_stratum_beyond_its_bound(pool: Instance) -> None:
    face = Face.whole(pool, np.ones(len(pool.people), dtype=np.bool_))
    stratum = next(s for s in pool.strata if len(s.members) > s.quota.max)
    seated = np.zeros(len(pool.people), dtype=np.bool_)
    seated[stratum.members[: stratum.quota.max + 1]] = True
    assert complete_panel(pool, face, seated, np.flatnonzero(~seated)) is None


def test_the_completion_never_seats_two_housemates_or_leaves_a_stratum_short(pool: Instance) -> None:
    face = Face.whole(pool, np.ones(len(pool.people), dtype=np.bool_))
    rng = np.random.default_rng(5)
    for _ in range(20):
        panel = complete_panel(
            pool, face, np.zeros(len(pool.people), dtype=np.bool_), rng.permutation(len(pool.people))
        )
        assert panel is not None and pool.violations(pool.people[i].id for i in panel) == []


def test_the_lottery_keeps_the_fractional_leximin_marginals_when_the_search_gives_up(
    pool: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    levels, _ = fractional_leximin(pool, np.ones(len(pool.people), dtype=np.bool_))
    searched = leximin(pool)
    calls: list[object] = []
    original = splitting.complete_panel

    def gives_up(*args: object) -> None:
        calls.append(original(*args))
        return None

    monkeypatch.setattr(splitting, "complete_panel", gives_up)
    by_programs = leximin(pool)
    assert calls and any(found is not None for found in calls)  # the search had found some; the MIPs took over
    for distribution in (searched, by_programs):
        for panel in distribution.panels:
            assert pool.violations(panel) == []
        for i, person in enumerate(pool.people):
            assert distribution.probabilities[person.id] == pytest.approx(levels[i], abs=1e-6), person.id


def test_the_search_stops_at_its_budget(pool: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(completion, "BUDGET", 1)
    face = Face.whole(pool, np.ones(len(pool.people), dtype=np.bool_))
    assert complete_panel(pool, face, np.zeros(len(pool.people), dtype=np.bool_), np.arange(len(pool.people))) is None
