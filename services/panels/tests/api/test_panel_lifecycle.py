"""A panel from set-up to the public draw: registration, eligibility, the committed lottery, the replay."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from panels.domain.lottery import Artefacts, check, draw_number, number_from_seed, selection_probability


def test_a_panel_from_set_up_to_the_public_draw(case):
    panel = case.set_up()
    for i in range(24):
        assert case.register(panel, i).status_code == 202
    refused = {
        ("too_young", 90): case.register(panel, 90, age=14),
        ("no_consent", 91): case.register(panel, 91, consent=False),
        ("not_resident", 92): case.register(panel, 92, resident=False),
        ("unknown_stratum", 93): case.register(panel, 93, strata={"gender": "other"}),
    }
    case.run_eligibility()

    for (refusal, i), response in refused.items():
        pseudonym = response.get_json()["pseudonym"]
        shown = case.get(f"/panels/{panel}/registrations/{pseudonym}", case.resident(i)).get_json()
        assert (shown["status"], shown["refusal"]) == ("refused", refusal)
        assert shown["reason"]
    assert case.get(f"/panels/{panel}").get_json()["pool"] == {"admitted": {"letter": 24}, "refused": {"letter": 4}}

    assert case.post(f"/panels/{panel}/close", headers=case.coordinator).status_code == 200
    committed = case.lottery(panel, 100)
    assert committed["status"] == "committed"

    published = case.get(f"/panels/{panel}/artefacts").get_json()
    artefacts = Artefacts.from_document(published["artefacts"])
    assert published["commitment"] == committed["commitment"] == artefacts.commitment
    assert check(artefacts, published["commitment"]) == []
    assert len(artefacts.panels) == 100 and len(artefacts.pool) == 24

    someone = sorted(artefacts.pool)[0]
    chance = case.get(f"/panels/{panel}/probabilities/{someone}").get_json()
    # what anyone computes from the published artefacts: the share of the 100 panels this person sits on
    assert chance == {"pseudonym": someone, "probability": selection_probability(artefacts, someone), "panels": 100}
    assert chance["probability"] > 0, "LEXIMIN gives everyone in the pool a chance"

    drawn = case.post(f"/panels/{panel}/draw", {"seed": "council 2026-11-28"}, case.coordinator).get_json()
    number = number_from_seed(published["commitment"], "council 2026-11-28", 100)
    assert drawn["drawn_number"] == number
    assert tuple(drawn["selected"]) == draw_number(artefacts, number)  # anyone replays it from the artefacts
    members = [artefacts.pool[p] for p in drawn["selected"]]
    assert Counter(m["gender"] for m in members) == {"female": 3, "male": 3}
    homes = [artefacts.households.get(p) for p in drawn["selected"] + drawn["alternate_members"]]
    assert len(set(homes)) == len(homes), "at most one member per household, alternates included"
    assert len(drawn["alternate_members"]) == 2

    names = [e.type.rsplit(".", 2)[-2] for e in case.outbox() if ".panels.panel." in e.type]
    assert (
        names
        == ["set_up", "pool_closed", "lottery_requested", "lottery_committed", "drawn"]
        + ["member_selected"] * 6
        + ["alternate_selected"] * 2
    )
    again = case.post(f"/panels/{panel}/draw", {"number": 1}, case.coordinator)
    assert again.status_code == 409 and "already drawn" in again.get_json()["detail"]


def test_personal_data_stays_out_of_events_and_the_artefacts(case):
    panel = case.set_up()
    for i in range(8):
        case.register(panel, i)
    case.run_eligibility()
    text = case.outbox_text()
    for leaked in ("Resident 3", "resident3@example.org", str(case.person(3)), "Stationsstraat"):
        assert leaked not in text
    pseudonym = case.outbox()[-1].data["pseudonym"]
    with case.uow() as uow:
        assert uow.identities.contact(UUID(panel), pseudonym)["language"] == "nl"
        row = uow.pool.get(UUID(panel), pseudonym)
    assert row is not None and row.registration.age is None, "age is forgotten once the check has run"


def test_a_household_member_of_someone_serving_is_refused(case):
    first = case.set_up(
        size=2, alternates=0, features={"gender": {"female": {"min": 0, "max": 2}, "male": {"min": 0, "max": 2}}}
    )
    for i in (0, 2, 4):
        case.register(first, i)
    case.run_eligibility()
    case.post(f"/panels/{first}/close", headers=case.coordinator)
    case.lottery(first, 3)
    serving = case.post(f"/panels/{first}/draw", {"number": 1}, case.coordinator).get_json()["selected"]
    second = case.set_up()
    # resident i lives at Stationsstraat i // 2: 0 and 1 share a house, 2 and 3, 4 and 5
    housemates = {"p0": 1, "p2": 3, "p4": 5}
    responses = {i: case.register(second, i) for i in housemates.values()}
    again = case.register(second, 0)
    case.run_eligibility()
    statuses = {
        i: case.get(f"/panels/{second}/registrations/{r.get_json()['pseudonym']}", case.resident(i)).get_json()[
            "refusal"
        ]
        for i, r in responses.items()
    }
    assert sorted(v for v in statuses.values() if v) == ["household_serving"] * 2  # two of three houses serve
    again_status = case.get(f"/panels/{second}/registrations/{again.get_json()['pseudonym']}", case.coordinator)
    again_status = again_status.get_json()
    assert again_status["refusal"] == ("already_serving" if again.get_json()["pseudonym"] in serving else None)
