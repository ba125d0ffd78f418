"""Bad input at every panels endpoint: a clear problem+json answer, and nothing changed."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def panel(case):
    return case.set_up()


def unchanged(case, action):
    before = (len(case.outbox()), case.get("/panels").get_json())
    response = action()
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    assert (len(case.outbox()), case.get("/panels").get_json()) == before
    return response


def test_set_up_refuses_impossible_panels(case):
    body = {"question": "What should the park offer?", "theme": "parks", "mandate": "adviseren", "size": 4}
    too_many = {"gender": {"female": {"min": 3, "max": 4}, "male": {"min": 3, "max": 4}}}
    r = unchanged(case, lambda: case.post("/panels", {**body, "features": too_many}, case.coordinator))
    assert r.status_code == 422 and "more than the panel size" in r.get_json()["detail"]
    r = unchanged(case, lambda: case.post("/panels", {**body, "mandate": "zelfbeheer"}, case.coordinator))
    assert r.status_code == 422 and "mandate" in r.get_data(as_text=True)
    reversed_quota = {"gender": {"female": {"min": 3, "max": 1}}}
    r = unchanged(case, lambda: case.post("/panels", {**body, "features": reversed_quota}, case.coordinator))
    assert r.status_code == 422 and "min must not exceed max" in r.get_data(as_text=True)
    assert unchanged(case, lambda: case.post("/panels", body, case.as_role("resident"))).status_code == 403
    assert unchanged(case, lambda: case.post("/panels", body, case.as_role("mayor"))).status_code == 403
    bands = {"age": {"young": {"min": 1, "max": 4}, "old": {"min": 1, "max": 4}}}
    r = unchanged(case, lambda: case.post("/panels", {**body, "features": bands}, case.coordinator))
    assert r.status_code == 422 and "age bands such as 16-24" in r.get_json()["detail"]
    overlapping = {"age": {"16-40": {"min": 1, "max": 4}, "40+": {"min": 1, "max": 4}}}
    r = unchanged(case, lambda: case.post("/panels", {**body, "features": overlapping}, case.coordinator))
    assert r.status_code == 422 and "overlap at age 40" in r.get_json()["detail"]


def test_a_panel_whose_theme_or_quota_names_are_blank_is_refused_naming_each(case):
    body = {"question": "What should the park offer?", "theme": " \u200b ", "mandate": "adviseren", "size": 4}
    blank_value = {"gender": {"\t": {"min": 1, "max": 2}}}
    r = unchanged(case, lambda: case.post("/panels", {**body, "features": blank_value}, case.coordinator))
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.get_json()["errors"]}
    assert "/theme" in pointers and any(p.startswith("/features/gender/") and "\t" in p for p in pointers)


def test_registration_errors(case, panel):
    assert case.register(panel, 1).status_code == 202
    again = unchanged(case, lambda: case.register(panel, 1))
    assert again.status_code == 409 and "already registered" in again.get_json()["detail"]
    assert unchanged(case, lambda: case.register(str(uuid.uuid4()), 2)).status_code == 404
    assert unchanged(case, lambda: case.register(panel, 3, consent="maybe")).status_code == 422
    assert unchanged(case, lambda: case.register(panel, 4, channel="pigeon")).status_code == 422
    code_without_letter = unchanged(case, lambda: case.register(panel, 5, channel="open", invitation_code="R0005"))
    assert code_without_letter.status_code == 422 and "letter channel" in code_without_letter.get_data(as_text=True)


def test_steps_out_of_order_and_a_second_draw(case, panel):
    early = unchanged(case, lambda: case.post(f"/panels/{panel}/draw", {"number": 1}, case.coordinator))
    assert early.status_code == 409 and "recruiting" in early.get_json()["detail"]
    short = unchanged(case, lambda: case.post(f"/panels/{panel}/close", headers=case.coordinator))
    assert short.status_code == 409 and "fewer than the panel size" in short.get_json()["detail"]
    for i in range(16):
        case.register(panel, i)
    case.run_eligibility()
    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    closed = unchanged(case, lambda: case.register(panel, 40))
    assert closed.status_code == 409 and "closed" in closed.get_json()["detail"]
    case.lottery(panel, 10)
    both = unchanged(case, lambda: case.post(f"/panels/{panel}/draw", {"number": 1, "seed": "x"}, case.coordinator))
    assert both.status_code == 422
    outside = unchanged(case, lambda: case.post(f"/panels/{panel}/draw", {"number": 11}, case.coordinator))
    assert outside.status_code == 422 and "between 1 and 10" in outside.get_json()["detail"]
    assert case.post(f"/panels/{panel}/draw", {"number": 3}, case.coordinator).status_code == 200
    twice = unchanged(case, lambda: case.post(f"/panels/{panel}/draw", {"seed": "again"}, case.coordinator))
    assert twice.status_code == 409 and "once" in twice.get_json()["detail"]


def test_quotas_the_pool_cannot_meet_are_explained(case):
    panel = case.set_up(features={"gender": {"female": {"min": 5, "max": 6}, "male": {"min": 0, "max": 6}}})
    for i in range(12):
        case.register(panel, i, strata={"gender": "male"})
    case.register(panel, 50, strata={"gender": "female"})
    case.run_eligibility()
    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    r = unchanged(case, lambda: case.post(f"/panels/{panel}/lottery", {"panels": 10}, case.coordinator))
    assert r.status_code == 422
    assert "female" in r.get_json()["detail"]
    assert case.get(f"/panels/{panel}").get_json()["status"] == "pool_closed"


def test_a_lottery_the_worker_cannot_compute_returns_the_panel_to_the_closed_pool_with_why(case, monkeypatch):
    from panels.service_layer import handlers

    panel = case.set_up()
    for i in range(16):
        case.register(panel, i)
    case.run_eligibility()
    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    assert case.post(f"/panels/{panel}/lottery", {"panels": 10}, case.coordinator).status_code == 202
    again = case.post(f"/panels/{panel}/lottery", {"panels": 10}, case.coordinator)
    assert again.status_code == 409 and "computing" in again.get_json()["detail"]

    def broken_solver(*_args, **_kwargs):
        raise RuntimeError("the solver crashed")

    monkeypatch.setattr(handlers, "select", broken_solver)
    handlers.compute_lottery(case.uow())
    shown = case.get(f"/panels/{panel}").get_json()
    assert shown["status"] == "pool_closed" and "RuntimeError" in shown["lottery_problem"]
    assert handlers.compute_lottery(case.uow()) is None  # nothing left to compute: the worker does not loop
    names = [e.type.rsplit(".", 2)[-2] for e in case.outbox() if ".panels.panel." in e.type]
    assert names[-2:] == ["lottery_requested", "lottery_failed"]
    monkeypatch.undo()
    assert case.lottery(panel, 10)["status"] == "committed"  # the coordinator may ask again
