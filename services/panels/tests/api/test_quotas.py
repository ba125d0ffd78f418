"""Changing a panel's quotas (coordinator): new bounds for its own features and values until the lottery is asked
for, an event without personal data; once the pool is closed, quotas the pool cannot meet are refused at once with
the explanation, and nothing changes."""

from __future__ import annotations

from panels_api import QUOTAS

WIDER = {
    "gender": {"female": {"min": 2, "max": 4}, "male": {"min": 2, "max": 4}},
    "age": {"16-39": {"min": 2, "max": 4}, "40+": {"min": 2, "max": 4}},
}


def test_the_coordinator_changes_the_bounds_before_the_lottery(case):
    panel = case.set_up()
    assert case.put(f"/panels/{panel}/quotas", {"features": WIDER}, case.as_role("resident")).status_code == 403
    assert case.put(f"/panels/{panel}/quotas", {"features": WIDER}, {}).status_code == 401
    changed = case.put(f"/panels/{panel}/quotas", {"features": WIDER}, case.coordinator)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["features"]["gender"]["female"] == {"min": 2, "max": 4}
    (event,) = [e for e in case.outbox() if e.type.endswith("panel.quotas_changed.v1")]
    assert event.data["details"]["quotas"]["gender"]["male"] == [2, 4]
    assert event.data["actor"]["role"] == "panel_coordinator"


def test_other_features_or_impossible_bounds_are_refused_and_change_nothing(case):
    panel = case.set_up()
    other = {**QUOTAS, "education": {"high": {"min": 1, "max": 3}}}
    refused = case.put(f"/panels/{panel}/quotas", {"features": other}, case.coordinator)
    assert refused.status_code == 422 and "own features" in refused.get_json()["detail"]
    too_many = {**QUOTAS, "gender": {"female": {"min": 5, "max": 6}, "male": {"min": 3, "max": 3}}}
    refused = case.put(f"/panels/{panel}/quotas", {"features": too_many}, case.coordinator)
    assert refused.status_code == 422 and "panel size" in refused.get_json()["detail"]
    backwards = {**QUOTAS, "gender": {"female": {"min": 3, "max": 2}, "male": {"min": 3, "max": 3}}}
    assert case.put(f"/panels/{panel}/quotas", {"features": backwards}, case.coordinator).status_code == 422
    assert case.get(f"/panels/{panel}").get_json()["features"]["gender"]["female"] == {"min": 3, "max": 3}


def test_a_closed_pool_that_cannot_meet_them_explains_why_and_the_lottery_fixes_them(case):
    panel = case.set_up()
    for i in range(16):
        case.register(panel, i)
    case.run_eligibility()
    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    older = {
        "gender": {"female": {"min": 4, "max": 4}, "male": {"min": 2, "max": 2}},
        "age": {"16-39": {"min": 0, "max": 0}, "40+": {"min": 6, "max": 6}},
    }  # only three women of 40 or older registered
    refused = case.put(f"/panels/{panel}/quotas", {"features": older}, case.coordinator)
    assert refused.status_code == 422 and refused.get_json()["detail"]
    assert case.get(f"/panels/{panel}").get_json()["features"] == QUOTAS
    assert not [e for e in case.outbox() if e.type.endswith("panel.quotas_changed.v1")]
    assert case.put(f"/panels/{panel}/quotas", {"features": WIDER}, case.coordinator).status_code == 200
    case.post(f"/panels/{panel}/lottery", {"panels": 10}, case.coordinator)
    late = case.put(f"/panels/{panel}/quotas", {"features": QUOTAS}, case.coordinator)
    assert late.status_code == 409 and "fixed" in late.get_json()["detail"]
