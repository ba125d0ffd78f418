"""The transparent draw: rounding to m equally likely panels, the commitment, and the replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from panels.domain.lottery import (
    Artefacts,
    DrawError,
    check,
    draw_number,
    number_from_seed,
    round_to_lottery,
    selection_probability,
)
from panels.domain.sortition import Feature, Instance, Person, Quota, leximin, read_people, read_quotas

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "sortition" / "example_small_20"


def couples() -> Instance:
    """Six people in three households of two, panel of two, one each of two genders.

    Households: (a f, b m), (c f, d m), (e f, g m). A panel is one woman and one man from different
    households: 3 x 2 = 6 panels. By symmetry LEXIMIN gives everyone 1/3 (each woman sits on 2 of the 6
    panels, chosen uniformly); a lottery of m = 6 panels can list each once, with no loss at all.
    """
    people = [
        Person("a", {"gender": "f"}, "h1"),
        Person("b", {"gender": "m"}, "h1"),
        Person("c", {"gender": "f"}, "h2"),
        Person("d", {"gender": "m"}, "h2"),
        Person("e", {"gender": "f"}, "h3"),
        Person("g", {"gender": "m"}, "h3"),
    ]
    return Instance(people, [Feature("gender", {"f": Quota(1, 1), "m": Quota(1, 1)})], 2)


def test_an_exactly_roundable_distribution_loses_nothing() -> None:
    instance = couples()
    lottery = round_to_lottery(leximin(instance), m=6)
    assert lottery.size == 6
    assert lottery.loss == pytest.approx(0, abs=1e-9)
    assert all(p == pytest.approx(1 / 3) for p in lottery.probabilities.values())
    assert all(not instance.violations(panel) for panel in lottery.panels)


def test_rounding_reports_its_loss_which_is_at_most_one_panel_in_m() -> None:
    lottery = round_to_lottery(leximin(couples()), m=4)  # 1/3 is not a multiple of 1/4
    assert sum(lottery.probabilities.values()) == pytest.approx(2)
    assert 0 < lottery.loss <= 1 / 4 + 1e-9
    assert lottery.loss == pytest.approx(max(abs(p - 1 / 3) for p in lottery.probabilities.values()))


def test_the_replication_instance_keeps_everyone_at_ten_percent() -> None:
    for name in ("categories.csv", "respondents.csv"):
        if not (SHARED / name).exists():
            pytest.skip(f"sortition example data not available: {(SHARED / name).resolve()} (../shared/data/sortition)")
    quotas = read_quotas((SHARED / "categories.csv").read_text())
    people = read_people((SHARED / "respondents.csv").read_text(), quotas)
    instance = Instance(people, quotas, 20)
    lottery = round_to_lottery(leximin(instance), m=1000, seconds=1)
    assert lottery.size == 1000
    assert lottery.loss <= 0.003 + 1e-9  # three panels out of 1000 at most
    assert lottery.minimum >= 0.097 - 1e-9


def test_anyone_can_replay_the_draw_from_the_artefacts() -> None:
    instance = couples()
    published = Artefacts.of(instance, round_to_lottery(leximin(instance), m=6))
    commitment = published.commitment
    number = number_from_seed(commitment, "2026-11-28 council meeting", 6)
    drawn = draw_number(published, number)

    replayed = Artefacts.from_document(published.document())  # as a stranger reads the published JSON
    assert check(replayed, commitment) == []
    assert draw_number(replayed, number_from_seed(replayed.commitment, "2026-11-28 council meeting", 6)) == drawn
    assert selection_probability(replayed, "a") == pytest.approx(1 / 3)


def test_a_changed_pool_or_quota_changes_the_commitment() -> None:
    instance = couples()
    lottery = round_to_lottery(leximin(instance), m=6)
    original = Artefacts.of(instance, lottery).document()
    other_pool = dict(original, pool={**original["pool"], "a": {"gender": "m"}})
    other_quota = dict(original, quotas={"gender": {"f": [1, 2], "m": [0, 1]}})
    commitments = {Artefacts.from_document(d).commitment for d in (original, other_pool, other_quota)}
    assert len(commitments) == 3


def test_tampered_artefacts_are_caught() -> None:
    instance = couples()
    published = Artefacts.of(instance, round_to_lottery(leximin(instance), m=6))
    document = published.document()
    document["panels"][0] = ["a", "c"]  # two women: breaks both quotas
    problems = check(Artefacts.from_document(document), published.commitment)
    assert any("not to the commitment" in p for p in problems)
    assert any("gender=f" in p for p in problems)


def test_a_number_outside_the_lottery_is_refused() -> None:
    instance = couples()
    published = Artefacts.of(instance, round_to_lottery(leximin(instance), m=6))
    with pytest.raises(DrawError, match="between 1 and 6"):
        draw_number(published, 7)


def test_the_replay_command_checks_the_artefacts_and_picks_the_same_panel(tmp_path, capsys) -> None:
    import json

    from panels.sortition_cli import main

    instance = couples()
    published = Artefacts.of(instance, round_to_lottery(leximin(instance), m=6))
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"commitment": published.commitment, "artefacts": published.document()}))
    assert main(["replay", str(path), "--seed", "council"]) == 0
    number = number_from_seed(published.commitment, "council", 6)
    assert ", ".join(draw_number(published, number)) in capsys.readouterr().out

    assert main(["replay", str(path), "--number", "3", "--commitment", "0" * 64]) == 4
    assert "not to the commitment" in capsys.readouterr().err
    assert main(["replay", str(path), "--number", "9"]) == 2
