"""After the draw: replacements that keep the quotas, and the representativeness report."""

from __future__ import annotations

from collections import Counter


def test_a_member_who_declines_is_replaced_by_someone_who_keeps_the_quotas(case):
    panel, drawn, artefacts = case.drawn()
    leaving, staying = drawn["selected"][0], drawn["selected"][1]
    assert case.post(f"/panels/{panel}/members/{staying}/accept", headers=case.coordinator).status_code == 200
    assert case.post(f"/panels/{panel}/members/{staying}/accept", headers=case.coordinator).status_code == 409
    answer = case.post(f"/panels/{panel}/members/{leaving}/decline", headers=case.coordinator).get_json()
    replacement = answer["replacement"]
    assert replacement and replacement not in drawn["selected"]
    after = case.get(f"/panels/{panel}").get_json()
    assert leaving not in after["selected"] and replacement in after["selected"] and len(after["selected"]) == 6
    assert after["accepted"] == [staying]
    genders = Counter(artefacts.pool[p]["gender"] for p in after["selected"])
    assert genders == {"female": 3, "male": 3}
    assert artefacts.pool[replacement]["gender"] == artefacts.pool[leaving]["gender"]
    names = [e.type.split(".")[-2] for e in case.outbox()][-2:]
    assert names == ["member_declined", "member_replaced"]

    again = case.post(f"/panels/{panel}/members/{leaving}/decline", headers=case.coordinator)
    assert again.status_code == 409


def test_the_report_sets_population_pool_and_panel_side_by_side_and_hides_small_cells(case):
    panel, _, _ = case.drawn(registrations=12)
    report = case.get(f"/panels/{panel}/representativeness").get_json()["features"]
    gender = report["gender"]
    assert gender["female"]["pool"] == {"count": 6, "share": 0.5}
    assert gender["female"]["panel"] == {"count": 3, "share": 0.5}
    assert gender["female"]["quota"] == {"min": 3, "max": 3}
    assert gender["female"]["population"] is None  # no register extract was imported
    age = report["age"]
    assert age["40+"]["pool"] == {"count": "<5", "share": None}  # 4 of 12 respondents: suppressed
