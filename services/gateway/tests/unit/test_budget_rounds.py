"""The budget desk's rules without the web: amounts typed in euros, budgets per part and districts read from
the form's lines, the step each phase asks for, the next project to review, one key per project of a batch."""

from __future__ import annotations

import uuid

import pytest

from gateway.casework.budget_rounds import (
    NEXT_STEP,
    Outcome,
    Review,
    amounts,
    cents,
    euros_typed,
    idempotency_key,
    names,
    next_pending,
    split,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1500", 150_000),
        ("1.500", 150_000),
        ("1 500,50", 150_050),
        ("€ 1,500.50", 150_050),
        ("15.000,00", 1_500_000),
        ("12,5", 1_250),
        ("0", 0),
        ("1.5000", None),
        ("a lot", None),
        ("-5", None),
        ("²", None),
        ("\u0661\u0665\u0660\u0660", None),  # 1500 in Arabic-Indic digits: digits, but not ASCII ones
        ("", None),
        ("1" * 20, None),
    ],
)
def test_an_amount_typed_in_euros_is_read_in_cents_or_refused(typed, expected):
    assert cents(typed) == expected


def test_an_amount_is_shown_back_as_it_would_be_typed():
    assert (
        euros_typed(150_000) == "1500" and euros_typed(150_050) == "1500.50" and cents(euros_typed(150_005)) == 150_005
    )


def test_budgets_per_part_are_read_per_line_and_wrong_lines_are_named():
    found, wrong = amounts("centrum: 20.000\nnoord : 15000\r\n\nno amount\nzuid: -1\ncentrum: 5")
    assert found == {"centrum": 2_000_000, "noord": 1_500_000}
    assert wrong == ["no amount", "zuid: -1", "centrum: 5"]  # a district twice is a mistake too


def test_districts_are_read_from_commas_or_lines_each_once():
    assert names("centrum, noord\nzuid,  centrum ,\n") == ["centrum", "noord", "zuid"]


def test_each_phase_asks_for_its_step_and_the_last_ones_for_none():
    assert NEXT_STEP == {"ideas": "feasibility", "feasibility": "voting", "voting": "close"}


def test_the_next_project_to_review_follows_the_one_just_reviewed():
    r = {"projects": [{"id": f"p{n}", "feasibility": f} for n, f in enumerate(("pending", "feasible", "pending"), 1)]}
    assert next_pending(r, "p2")["id"] == "p3"
    assert next_pending(r, "p3")["id"] == "p1"  # none after it: from the start
    assert next_pending(r)["id"] == "p1"
    assert next_pending({"projects": [{"id": "p1", "feasibility": "feasible"}]}) is None


def test_a_batch_gives_each_project_its_own_key_and_the_same_one_when_sent_again():
    batch = str(uuid.uuid4())
    assert idempotency_key(batch, "p1") == idempotency_key(batch, "p1") != idempotency_key(batch, "p2")


def test_a_review_is_sent_as_the_service_takes_it_and_outcomes_are_told_apart():
    assert Review("p1", False, 100, "checked", "too big").body() == {
        "feasible": False,
        "cost": 100,
        "legal_check": "checked",
        "reason": "too big",
    }
    assert Review("p1", True, 100, "checked", "", 7.5).body()["jury_score"] == 7.5
    done, refused = split([Outcome("p1", "A"), Outcome("p2", "B", 409, "no"), Outcome("p3", "C", 0, "down")])
    assert [o.project_id for o in done] == ["p1"] and [o.project_id for o in refused] == ["p2", "p3"]
