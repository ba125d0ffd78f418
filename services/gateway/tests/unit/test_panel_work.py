"""The panel coordinator's steps as plain Python: which forms a panel's state offers, each respondent's chance read
from the published lottery, one Idempotency-Key per confirmation, and the form's numbers, lines and moments."""

from __future__ import annotations

import uuid

import pytest

from gateway.casework import panel_work as work
from gateway.casework.confirming import once_key

ARTEFACTS = {
    "pool": {"p_a": {"gender": "female"}, "p_b": {"gender": "male"}, "p_c": {"gender": "male"}},
    "panels": [["p_a", "p_b"], ["p_a", "p_c"], ["p_a", "p_b"], ["p_a", "p_c"]],
}


def test_each_state_offers_its_forms_only():
    assert work.takes_form("recruiting", "pool") and work.takes_form("recruiting", "registrations")
    assert not work.takes_form("pool_closed", "registrations") and work.takes_form("pool_closed", "selection")
    assert not work.takes_form("committed", "selection") and work.takes_form("committed", "draw")
    assert not work.takes_form("drawn", "quotas") and not work.takes_form("answered", "answers")
    assert work.steps("unknown") == ()


def test_chances_come_from_the_share_of_panels_each_respondent_sits_on():
    found = work.probabilities(ARTEFACTS)
    assert found is not None and found.panels == 4
    assert [(c.pseudonym, c.probability) for c in found.people] == [("p_b", 0.5), ("p_c", 0.5), ("p_a", 1.0)]
    assert (found.lowest, found.median, found.highest) == (0.5, 0.5, 1.0)
    assert found.by_value == {"gender": {"female": (1.0, 1.0), "male": (0.5, 0.5)}}
    assert work.probabilities({}) is None


def test_a_confirmation_sends_once_and_a_tampered_one_not_at_all():
    nonce = str(uuid.uuid4())
    assert once_key(nonce, "draw") == once_key(nonce, "draw") != once_key(nonce, "close")
    assert once_key("not-a-nonce", "draw") is None


@pytest.mark.parametrize(
    ("typed", "count", "ratio"),
    [("12", 12, 12.0), (" 3 ", 3, 3.0), ("2,5", None, 2.5), ("-1", None, None), ("x", None, None)],
)
def test_numbers_as_typed(typed, count, ratio):
    assert work.count(typed) == count and work.ratio(typed) == ratio


def test_lines_and_moments():
    assert work.lines(" a \r\n\r\n b\n") == ["a", "b"]
    start = work.moment("2030-03-15", "19:30")
    assert start is not None and start.utcoffset() is not None and work.in_future(start)
    assert work.moment("15/03/2030", "19:30") is None and work.moment("2030-03-15", "7pm") is None
