"""Seeded draws replay; the command line prints probabilities and a panel, with clear exit codes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from panels.domain.sortition import draw, legacy_panel, leximin, make_rng
from panels.domain.sortition.synthetic import synthetic_instance
from panels.sortition_cli import main

QUOTAS = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\nage,young,1,2\nage,old,1,2\n"
PEOPLE = (
    "id,gender,age,street,house\n"
    "p1,female,young,Main,1\np2,female,old,Main,1\np3,male,young,Oak,2\np4,male,old,Elm,3\n"
    "p5,female,old,Elm,4\np6,male,young,Ash,5\n"
)


def test_make_rng_uses_the_seed_or_the_operating_system() -> None:
    assert make_rng(5).random() == random.Random(5).random()
    assert isinstance(make_rng(None), random.SystemRandom)


def test_same_seed_same_panel() -> None:
    instance = synthetic_instance(30, 6, 2, random.Random(4), household_share=0.3)
    distribution = leximin(instance)
    assert draw(distribution, make_rng(42)) == draw(distribution, make_rng(42))
    assert len({draw(distribution, make_rng(seed)) for seed in range(20)}) > 1
    assert legacy_panel(instance, make_rng(9)) == legacy_panel(instance, make_rng(9))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "features.csv").write_text(QUOTAS)
    (tmp_path / "people.csv").write_text(PEOPLE)
    return tmp_path / "features.csv", tmp_path / "people.csv"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("algorithm", ["leximin", "maximin", "legacy"])
def test_select_json_replays_with_a_seed(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], algorithm: str
) -> None:
    features, people = files
    args = [
        "select",
        "--features",
        str(features),
        "--people",
        str(people),
        "--size",
        "3",
        "--algorithm",
        algorithm,
        "--seed",
        "7",
        "--address-columns",
        "street,house",
        "--json",
        "--samples",
        "200",
    ]
    code, out, _ = run(capsys, *args)
    assert code == 0
    result = json.loads(out)
    assert len(result["panel"]) == 3
    assert not {"p1", "p2"} <= set(result["panel"])  # housemates
    assert sum(result["probabilities"].values()) == pytest.approx(3)
    assert json.loads(run(capsys, *args)[1])["panel"] == result["panel"]


def test_select_text_output(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    features, people = files
    code, out, _ = run(capsys, "select", "--features", str(features), "--people", str(people), "--size", "2")
    assert code == 0
    assert "person\tprobability" in out
    assert out.splitlines()[-1].startswith("drawn panel: ")


def test_malformed_row_exits_2(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    features, people = files
    people.write_text(PEOPLE + "p7,male\n")
    code, _, err = run(capsys, "select", "--features", str(features), "--people", str(people), "--size", "2")
    assert code == 2
    assert "people row 8 has 2 fields" in err


def test_infeasible_quotas_exit_3_with_the_explanation(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    features, people = files
    features.write_text("feature,value,min,max\ngender,female,3,3\ngender,male,0,3\nage,young,0,3\nage,old,0,3\n")
    args = ["--features", str(features), "--people", str(people), "--size", "3", "--address-columns", "street,house"]
    code, _, err = run(capsys, "explain", *args)
    assert code == 3
    assert "gender=female from 3 to 2" in err
    code, out, _ = run(capsys, "select", *args, "--json")
    assert code == 3
    assert json.loads(out)["relaxations"] == [
        {"feature": "gender", "value": "female", "bound": "min", "current": 3, "suggested": 2}
    ]
