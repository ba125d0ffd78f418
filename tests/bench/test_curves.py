"""bench/curves.py draws what it is given, the same file for the same figures, and refuses nothing to draw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from curves import Series, write_svg


def _draw(path: Path) -> bytes:
    write_svg(
        path,
        "Pipeline events/s by partitions",
        "partitions x consumers",
        "events/s",
        [
            Series("pipeline", [(1, 900.0), (2, 1500.0), (4, 2100.0)], low=[880, 1450, 2000], high=[910, 1530, 2200]),
            Series("raw kafka-python", [(1, 2000.0), (2, 3500.0), (4, 5200.0)]),
        ],
        log_x=True,
        note="measured at abc1234",
    )
    return path.read_bytes()


def test_a_curve_is_an_svg_with_its_labels_and_the_same_bytes_on_a_rerun(tmp_path: Path) -> None:
    first = _draw(tmp_path / "one" / "a.svg")
    second = _draw(tmp_path / "two" / "a.svg")
    assert first == second
    text = first.decode()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for label in ("Pipeline events/s by partitions", "raw kafka-python", "measured at abc1234", "events/s"):
        assert label in text


def test_nothing_to_draw_or_a_band_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nothing to draw"):
        write_svg(tmp_path / "x.svg", "empty", "x", "y", [])
    with pytest.raises(ValueError, match="low has 1 values for 2 points"):
        Series("a", [(1, 1.0), (2, 2.0)], low=[1.0], high=[1.0, 2.0])
