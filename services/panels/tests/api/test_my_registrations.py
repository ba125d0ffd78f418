"""A resident lists their own registrations in every panel's pool (the portal's "My page"): found by the
pseudonym of the id in their token, with each outcome; nobody else's, and nothing for anyone anonymous."""

from __future__ import annotations


def test_a_resident_sees_their_own_registrations_in_every_panel_with_the_outcome(case):
    first, second, untouched = case.set_up(), case.set_up(question="What should the new library offer?"), case.set_up()
    assert case.register(first, 1).status_code == 202
    case.now = case.now.replace(hour=10)
    assert case.register(second, 1, age=15).status_code == 202
    assert case.register(untouched, 2).status_code == 202
    case.run_eligibility()

    mine = case.get("/panels/registrations", case.resident(1))
    assert mine.status_code == 200, mine.get_json()
    found = mine.get_json()
    assert [r["panel_id"] for r in found] == [second, first]
    assert [r["status"] for r in found] == ["refused", "admitted"]
    assert found[0]["refusal"] and found[0]["reason"]
    own = case.get(f"/panels/{first}/registrations/{found[1]['pseudonym']}", case.resident(1)).get_json()
    assert own == found[1]
    assert case.get("/panels/registrations", case.resident(3)).get_json() == []
    assert "example.org" not in mine.get_data(as_text=True), "the contact details stay behind"


def test_nobody_anonymous_and_no_official_lists_registrations(case):
    assert case.get("/panels/registrations").status_code == 401
    assert case.get("/panels/registrations", case.coordinator).status_code == 403
