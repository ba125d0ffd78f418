"""Every state an item can end in and every coded fact of an answer reads as words on the desk, not as a code."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from gateway.casework import case_labels, labels

CLOSED = {
    "proposals": (
        "answered",
        "declined",
        "rejected",
        "merged",
        "split",
        "results_published",
        "feasible",
        "not_feasible",
    ),
    "challenges": ("rejected", "out_of_scope", "withdrawn", "in_execution", "renewed", "completed", "terminated"),
    "panels": ("answered",),
}


@pytest.mark.parametrize("service", sorted(CLOSED))
def test_a_closed_item_s_state_is_named_in_words_in_each_language(service: str) -> None:
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(Path(labels.__file__).resolve().parents[1] / "translations"))
    with app.app_context():
        for state in CLOSED[service]:
            assert labels.state_name(service, state) != state
            with force_locale("nl"):
                dutch = labels.state_name(service, state)
            with force_locale("en"):
                assert dutch != labels.state_name(service, state), f"{service} {state} has no Dutch words"


def test_an_answer_s_position_reads_as_words() -> None:
    assert set(case_labels.VALUES["position"]) == {"adopted", "partly", "not_adopted"}
    assert all(str(words) for values in case_labels.VALUES.values() for words in values.values())
    assert set(case_labels.VALUES) <= set(case_labels.FACTS)
