"""Exact answers: the replication repository's example_small_20, and tiny instances solved on paper."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from panels.domain.sortition import Instance, legacy_probabilities, leximin, make_rng, maximin, read_people, read_quotas

# /work/main/services/panels/tests/unit/sortition -> /work/shared/data/sortition/example_small_20
EXAMPLE = Path(__file__).resolve().parents[6] / "shared" / "data" / "sortition" / "example_small_20"


@pytest.fixture(scope="module")
def example() -> Instance:
    for name in ("categories.csv", "respondents.csv"):
        if not (EXAMPLE / name).exists():
            pytest.skip(f"sortition example data not available: {EXAMPLE / name} (../shared/data/sortition)")
    quotas = read_quotas((EXAMPLE / "categories.csv").read_text())
    people = read_people((EXAMPLE / "respondents.csv").read_text(), quotas)
    return Instance(people, quotas, 20)


def test_example_small_20_leximin_gives_everyone_ten_percent(example: Instance) -> None:
    distribution = leximin(example)
    assert len(distribution.probabilities) == 200
    for probability in distribution.probabilities.values():
        assert probability == pytest.approx(0.10, abs=1e-6)
    for panel in distribution.panels:
        assert example.violations(panel) == []


def test_example_small_20_legacy_starves_the_lone_female_conservative(example: Instance) -> None:
    # Row 0 is the only female/conservative respondent: the greedy algorithm fills the conservative
    # minimum from 101 people and the female one from 100, so she rarely sits (about 1%).
    assert example.people[0].features == {"gender": "female", "leaning": "conservative"}
    probabilities = legacy_probabilities(example, 2000, make_rng(7))
    assert probabilities["0"] < 0.03
    assert sum(probabilities.values()) == pytest.approx(20)


def exact(probabilities: dict[str, float]) -> dict[str, Fraction]:
    return {pid: Fraction(p).limit_denominator(12) for pid, p in probabilities.items()}


def assert_exact(probabilities: dict[str, float], expected: dict[str, Fraction]) -> None:
    assert set(probabilities) == set(expected)
    for pid, value in expected.items():
        assert probabilities[pid] == pytest.approx(float(value), abs=1e-7), pid


def test_one_woman_must_sit(tiny: Callable[..., Instance]) -> None:
    # k=2, one f seat and one m seat; A is the only f: every panel is {A,B} or {A,C}.
    # So p_A = 1 and p_B + p_C = 1; leximin equalises B and C: 1/2 each.
    instance = tiny({"A": "f", "B": "m", "C": "m"}, {"f": (1, 1), "m": (1, 1)}, 2)
    assert_exact(leximin(instance).probabilities, {"A": Fraction(1), "B": Fraction(1, 2), "C": Fraction(1, 2)})


def test_two_groups_leximin_equalises_each_group(tiny: Callable[..., Instance]) -> None:
    # k=2, one f seat (A, B) and one m seat (C, D, E): every panel has one of each group, so
    # p_A + p_B = 1 and p_C + p_D + p_E = 1. The lowest level is 1/3 (the m's); leximin then
    # raises the f's to 1/2 each. Maximin only guarantees 1/3 to everybody.
    instance = tiny({"A": "f", "B": "f", "C": "m", "D": "m", "E": "m"}, {"f": (1, 1), "m": (1, 1)}, 2)
    third, half = Fraction(1, 3), Fraction(1, 2)
    assert_exact(leximin(instance).probabilities, {"A": half, "B": half, "C": third, "D": third, "E": third})
    assert maximin(instance).minimum == pytest.approx(1 / 3, abs=1e-7)


def test_housemate_sits_on_no_panel(tiny: Callable[..., Instance]) -> None:
    # As above with A, B, C, D (A the only f); A and B share a household, so the panels are {A,C} and {A,D}:
    # p_A = 1, B sits on no feasible panel (0), C and D 1/2 each. Without the household: B, C, D 1/3 each.
    values = {"A": "f", "B": "m", "C": "m", "D": "m"}
    quotas = {"f": (1, 1), "m": (1, 1)}
    alone = leximin(tiny(values, quotas, 2)).probabilities
    assert_exact(alone, {"A": Fraction(1), "B": Fraction(1, 3), "C": Fraction(1, 3), "D": Fraction(1, 3)})
    shared = leximin(tiny(values, quotas, 2, households={"A": "h", "B": "h"})).probabilities
    assert_exact(shared, {"A": Fraction(1), "B": Fraction(0), "C": Fraction(1, 2), "D": Fraction(1, 2)})


def test_household_shifts_probability_between_the_women(tiny: Callable[..., Instance]) -> None:
    # f: A, B; m: C, D, E; k=2 with one seat each. A, C and D share a household, so A's only panel is {A,E}
    # and B's are {B,C}, {B,D}, {B,E}. The m's sum to 1, so the lowest level is at most 1/3, reached with
    # C = D = E = 1/3. Then p_A = q_AE <= p_E = 1/3, so A is held at 1/3 too and B gets 1 - 1/3 = 2/3
    # (q_AE = q_BC = q_BD = 1/3). Without the household A and B would have 1/2 each.
    values = {"A": "f", "B": "f", "C": "m", "D": "m", "E": "m"}
    instance = tiny(values, {"f": (1, 1), "m": (1, 1)}, 2, households={"A": "h", "C": "h", "D": "h"})
    third = Fraction(1, 3)
    expected = {"A": third, "B": Fraction(2, 3), "C": third, "D": third, "E": third}
    distribution = leximin(instance)
    assert_exact(distribution.probabilities, expected)
    assert exact(distribution.probabilities) == expected
    assert sorted(sorted(panel) for panel in distribution.panels) == [["A", "E"], ["B", "C"], ["B", "D"]]
