"""Quotas no panel can meet are explained (which bounds, smallest relaxation); bad input is a clear error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from panels.domain.sortition import (
    Algorithm,
    Feature,
    InfeasibleQuotas,
    Instance,
    Person,
    Quota,
    SortitionInputError,
    explain_infeasibility,
    leximin,
    maximin,
    read_people,
    read_quotas,
    require_feasible,
    select,
)


def short_of_women() -> Instance:
    # 7 women and 20 men, panel of 20 with at least 9 women: the minimum must drop to 7.
    people = [Person(f"w{i}", {"gender": "female"}) for i in range(7)]
    people += [Person(f"m{i}", {"gender": "male"}) for i in range(20)]
    quotas = [Feature("gender", {"female": Quota(9, 12), "male": Quota(8, 13)})]
    return Instance(people, quotas, 20)


@pytest.mark.parametrize("algorithm", [leximin, maximin])
def test_infeasible_quotas_name_the_smallest_relaxation(algorithm: Callable[[Instance], object]) -> None:
    with pytest.raises(InfeasibleQuotas) as caught:
        algorithm(short_of_women())
    relaxations = [str(r) for r in caught.value.relaxations]
    assert relaxations == ["gender=female min 9 -> 7"]
    assert "gender=female from 9 to 7" in caught.value.explanation
    assert "the pool has 7 people with gender=female" in caught.value.explanation


def test_conflicting_quotas_across_features_are_relaxed_minimally() -> None:
    # Every young person is female. young >= 3 and female <= 2 cannot both hold: one bound moves by 1.
    people = [Person(f"y{i}", {"age": "young", "gender": "female"}) for i in range(3)]
    people += [Person(f"o{i}", {"age": "old", "gender": "male"}) for i in range(5)]
    quotas = [
        Feature("age", {"young": Quota(3, 4), "old": Quota(0, 4)}),
        Feature("gender", {"female": Quota(0, 2), "male": Quota(0, 4)}),
    ]
    explanation = explain_infeasibility(Instance(people, quotas, 6))
    assert len(explanation.relaxations) == 1
    (relaxation,) = explanation.relaxations
    assert str(relaxation) in {"age=young min 3 -> 2", "gender=female max 2 -> 3"}


def test_households_alone_can_make_a_panel_impossible(tiny: Callable[..., Instance]) -> None:
    instance = tiny({"A": "x", "B": "x", "C": "x"}, {"x": (0, 3)}, 2, households={"A": "h", "B": "h", "C": "h"})
    with pytest.raises(InfeasibleQuotas, match="only 1 separate households"):
        require_feasible(instance)
    with pytest.raises(InfeasibleQuotas):
        select(instance, Algorithm.LEGACY, samples=3)


def test_duplicate_person() -> None:
    people = [Person("a", {"g": "x"}), Person("a", {"g": "x"})]
    with pytest.raises(SortitionInputError, match="duplicate person id 'a'") as caught:
        Instance(people, [Feature("g", {"x": Quota(0, 1)})], 1)
    assert caught.value.details["row"] == 1


def test_unknown_stratum_value() -> None:
    people = [Person("a", {"g": "x"}), Person("b", {"g": "z"})]
    with pytest.raises(SortitionInputError, match="value 'z' for feature 'g'"):
        Instance(people, [Feature("g", {"x": Quota(0, 2)})], 1)


def test_missing_feature_value() -> None:
    with pytest.raises(SortitionInputError, match="no value for feature 'g'"):
        Instance([Person("a", {})], [Feature("g", {"x": Quota(0, 1)})], 1)


@pytest.mark.parametrize(
    ("quotas", "size", "message"),
    [
        ({"x": Quota(2, 3), "y": Quota(2, 3)}, 3, "minimums of feature 'g' add up to 4, more than the panel size 3"),
        ({"x": Quota(0, 1), "y": Quota(0, 1)}, 3, "maximums of feature 'g' add up to 2, less than the panel size 3"),
        ({"x": Quota(0, 4), "y": Quota(0, 4)}, 5, "panel size 5 exceeds the 4 people"),
        ({"x": Quota(0, 4), "y": Quota(0, 4)}, 0, "panel size must be positive"),
    ],
)
def test_quotas_that_cannot_fit_the_panel_size(quotas: dict[str, Quota], size: int, message: str) -> None:
    people = [Person(str(i), {"g": "x" if i % 2 else "y"}) for i in range(4)]
    with pytest.raises(SortitionInputError, match=message):
        Instance(people, [Feature("g", quotas)], size)


def test_malformed_csv_rows_name_the_row() -> None:
    quotas = read_quotas("feature,value,min,max,min_flex,max_flex\ng,x,1,2,0,3\ng,y,0,2,,\n")
    assert quotas[0].values["x"] == Quota(1, 2, 0, 3)
    assert quotas[0].values["y"] == Quota(0, 2)
    with pytest.raises(SortitionInputError, match="people row 3 has 1 fields, the header has 2"):
        read_people("id,g\na,x\nb\n", quotas)
    with pytest.raises(SortitionInputError, match="quotas row 3: min must be a whole number, got 'two'"):
        read_quotas("feature,value,min,max\ng,x,1,2\ng,y,two,3\n")
    with pytest.raises(SortitionInputError, match="lacks column"):
        read_people("id,h\na,x\n", quotas)


def test_replication_format_and_row_numbers_as_ids() -> None:
    quotas = read_quotas("category,feature,min,max\ngender,female,1,1\ngender,male,0,1\n")
    people = read_people("gender,extra\nfemale,1\nmale,2\n", quotas)
    assert [p.id for p in people] == ["0", "1"]
    assert people[0].features == {"gender": "female"}
