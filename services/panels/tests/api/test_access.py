"""Who may do what on a panel: identity from the gateway's token only, the role model with panel scopes,
residents acting for themselves with verified attributes, and every official's step audited."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from meemaken_testkit.tokens import bearer
from panels.domain.pool import person_pseudonym
from panels.service_layer.handlers import open_referred_panel

FORGED = [
    {"X-Meemaken-Role": role, "X-Meemaken-Actor": str(uuid.uuid4())}
    for role in ("coordinator", "panel_coordinator", "official", "decision_body", "administrator", "service")
]


def state(case):
    """Everything a refused request must leave as it was: the outbox, the panels, the pool, the audit."""
    import sqlalchemy as sa

    from panels.adapters.tables import audit, panels, respondents

    with case.engine.connect() as conn:
        counts = [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in (audit, respondents)]
        documents = [(r.id, r.version, r.status) for r in conn.execute(sa.select(panels))]
    return len(case.outbox()), counts, documents


COORDINATOR = frozenset({"panel_coordinator"})
ROLES = (
    "resident",
    "group_representative",
    "case_officer",
    "assessor",
    "decision_body",
    "panel_coordinator",
    "moderator",
    "mentor",
    "administrator",
    "service",
)


def every_step(panel, member):
    """(method, path, body, roles allowed) of every endpoint that changes something or shows personal data."""
    session = {"title": "One", "starts_at": "2026-12-01T10:00:00+00:00", "moderator": "M"}
    delivered = {"recommendations": [{"text": "x", "support": 1, "against": 0}]}
    return [
        ("POST", "/panels", {"question": "What should the park offer?", "theme": "parks"}, COORDINATOR),
        ("POST", f"/panels/{panel}/registrations", {"channel": "open", "consent": True}, {"resident"}),
        ("GET", f"/panels/{panel}/registrations/{member}", None, {"resident", "panel_coordinator"}),
        ("GET", "/panels/registrations", None, {"resident"}),
        ("POST", f"/panels/{panel}/register-extract", None, COORDINATOR),
        ("POST", f"/panels/{panel}/invitations", {"count": 1}, COORDINATOR),
        ("POST", f"/panels/{panel}/close", {}, COORDINATOR),
        ("POST", f"/panels/{panel}/lottery", {"panels": 10}, COORDINATOR),
        ("POST", f"/panels/{panel}/draw", {"number": 1}, COORDINATOR),
        ("POST", f"/panels/{panel}/members/{member}/accept", {}, COORDINATOR),
        ("POST", f"/panels/{panel}/members/{member}/decline", {}, COORDINATOR),
        ("POST", f"/panels/{panel}/sessions", session, COORDINATOR),
        ("PUT", f"/panels/{panel}/sessions/1/contributions", {"counts": {member: 3}}, {"moderator", *COORDINATOR}),
        ("POST", f"/panels/{panel}/recommendations", delivered, COORDINATOR),
        (
            "POST",
            f"/panels/{panel}/recommendations/1/answer",
            {"verdict": "adopted", "reasons": "Y"},
            {"decision_body"},
        ),
        ("GET", f"/panels/{panel}/audit", None, {"administrator"}),
    ]


def call(case, method, path, body, headers):
    return case.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


@pytest.fixture
def drawn(case):
    panel, drawn, _ = case.drawn()
    return panel, drawn["selected"][0]


def test_forged_identity_headers_are_refused_everywhere_and_change_nothing(case, drawn):
    panel, member = drawn
    before = state(case)
    for method, path, body, _ in every_step(panel, member):
        for forged in FORGED:
            response = call(case, method, path, body, forged)
            assert response.status_code == 401, (method, path, forged["X-Meemaken-Role"], response.get_json())
            assert response.mimetype == "application/problem+json"
    registration = {"identity": "85.01.01-123.45", "age": 40, "resident": True, "channel": "open", "consent": True}
    assert case.post(f"/panels/{panel}/registrations", registration).status_code == 401  # no headers at all
    assert state(case) == before


def test_a_token_for_another_service_or_a_tampered_one_is_refused(case, drawn):
    panel, member = drawn
    before = state(case)
    for audience in ("proposals", "challenges", "notifications"):
        other = bearer(audience, "panel_coordinator")
        assert case.post(f"/panels/{panel}/members/{member}/decline", headers=other).status_code == 401
        assert case.get(f"/panels/{panel}", other).status_code == 401  # a bad token is refused on public reads too
    token = case.coordinator["Authorization"]
    tampered = {"Authorization": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")}
    assert case.post(f"/panels/{panel}/members/{member}/decline", headers=tampered).status_code == 401
    assert state(case) == before


def test_roles_that_may_not_act_are_refused_before_the_body_is_read_and_change_nothing(case, drawn):
    panel, member = drawn
    before = state(case)
    for method, path, _, allowed in every_step(panel, member):
        for role in set(ROLES) - set(allowed):
            response = call(case, method, path, {"not": "even valid"}, case.as_role(role))
            assert response.status_code == 403, (method, path, role, response.get_json())
    assert state(case) == before


def test_a_coordinator_scoped_to_one_panel_works_on_that_panel_only(case, drawn):
    panel, member = drawn
    other = case.set_up()
    scoped = case.as_role("panel_coordinator", role_scopes={"panel_coordinator": [f"panel:{panel}"]})
    before = state(case)
    refused = case.post(f"/panels/{other}/close", headers=scoped)
    assert refused.status_code == 403 and f"panel:{panel}" in refused.get_json()["detail"]
    set_up = case.post(
        "/panels", {"question": "A new question here?", "theme": "x", "mandate": "adviseren", "size": 2}, scoped
    )
    assert set_up.status_code == 403
    assert state(case) == before
    assert case.post(f"/panels/{panel}/members/{member}/accept", headers=scoped).status_code == 200
    as_case = case.as_role("panel_coordinator", role_scopes={"panel_coordinator": [f"case:{panel}"]})
    assert case.get(f"/panels/{panel}/registrations/{member}", as_case).status_code == 200


def test_a_referred_panel_is_in_the_scope_of_its_challenge_and_department(case):
    challenge = uuid.uuid4()
    panel = str(open_referred_panel(case.uow(), challenge, "Should the club run the pool?", "sport").id)
    for scope in (f"case:{challenge}", "department:sport", f"panel:{panel}"):
        coordinator = case.as_role("panel_coordinator", role_scopes={"panel_coordinator": [scope]})
        closing = case.post(f"/panels/{panel}/close", headers=coordinator)
        assert closing.status_code == 409, closing.get_json()  # let in: the pool is simply too small
    elsewhere = case.as_role("panel_coordinator", role_scopes={"panel_coordinator": ["department:mobility"]})
    assert case.post(f"/panels/{panel}/close", headers=elsewhere).status_code == 403


def test_identity_comes_from_the_token_and_the_body_cannot_name_anyone(case):
    panel = case.set_up()
    before = state(case)
    someone_else = str(case.person(2))
    for field, value in (
        ("identity", "85.01.01-123.45"),
        ("person_id", someone_else),
        ("age", 40),
        ("resident", True),
        ("pseudonym", "p_" + "0" * 32),
    ):
        body = {"channel": "open", "consent": True, "address": "Kerkstraat 1", field: value}
        refused = case.post(f"/panels/{panel}/registrations", body, case.resident(1))
        assert refused.status_code == 422 and field in refused.get_data(as_text=True), field
    for verified in ("age", "district"):
        refused = case.register(panel, 1, strata={"gender": "male", verified: "16-39"})
        assert refused.status_code == 422 and "from your login" in refused.get_json()["detail"]
    assert state(case) == before

    mine = case.register(panel, 1).get_json()["pseudonym"]
    with case.uow() as uow:
        assert mine == person_pseudonym(uow.pseudonym_key, case.person(1))
    again = case.register(panel, 1, address="Elsewhere 9", strata={"gender": "female"})
    assert again.status_code == 409, "one person, one registration, whatever the body says"


def test_a_registration_is_seen_by_its_resident_and_the_coordinator_only(case):
    panel = case.set_up()
    mine = case.register(panel, 1).get_json()["pseudonym"]
    path = f"/panels/{panel}/registrations/{mine}"
    assert case.get(path, case.resident(1)).get_json()["status"] == "registered"
    assert case.get(path, case.coordinator).status_code == 200
    assert case.get(path, case.resident(2)).status_code == 403
    assert case.get(path, case.as_role("moderator")).status_code == 403
    assert case.get(path).status_code == 401
    elsewhere = case.as_role("panel_coordinator", role_scopes={"panel_coordinator": [f"panel:{uuid.uuid4()}"]})
    assert case.get(path, elsewhere).status_code == 403
    assert case.get(f"/panels/{panel}/registrations/p_{'1' * 32}", case.coordinator).status_code == 404


def test_eligibility_comes_from_the_verified_login(case):
    panel = case.set_up(features={"district": {"north": {"min": 0, "max": 6}, "south": {"min": 0, "max": 6}}})
    before = state(case)
    no_residence = case.register(panel, 1, attrs={"age": 40, "district": "north"})
    assert no_residence.status_code == 403
    assert "live in the municipality is not known from your login" in no_residence.get_json()["detail"]
    no_age = case.register(panel, 2, attrs={"resident": True, "district": "north"})
    assert no_age.status_code == 403 and "Your age is not known from your login" in no_age.get_json()["detail"]
    no_district = case.register(panel, 3, attrs={"resident": True, "age": 40})
    assert no_district.status_code == 403 and "district is not known" in no_district.get_json()["detail"]
    assert state(case) == before

    people = {
        4: {"resident": True, "age": 40, "district": "north"},
        5: {"resident": True, "age": 15, "district": "north"},  # a minor
        6: {"resident": False, "age": 40, "district": "north"},  # lives elsewhere
        7: {"resident": True, "age": 40, "district": "harbour"},  # a district this panel does not draw from
    }
    answers = {i: case.register(panel, i, attrs=attrs).get_json()["pseudonym"] for i, attrs in people.items()}
    case.run_eligibility()
    seen = {i: case.get(f"/panels/{panel}/registrations/{p}", case.resident(i)).get_json() for i, p in answers.items()}
    assert seen[4]["status"] == "admitted"
    assert (seen[5]["refusal"], seen[5]["reason"]) == ("too_young", "Members must be at least 16 years old.")
    assert (seen[6]["refusal"], seen[6]["reason"]) == ("not_resident", "Members must live in the municipality.")
    assert seen[7]["refusal"] == "unknown_stratum" and "your login places you in none" in seen[7]["reason"]
    with case.uow() as uow:
        assert uow.pool.get(UUID(panel), answers[4]).registration.strata == {"gender": "male", "district": "north"}


def test_the_age_band_is_the_one_the_verified_age_falls_in(case):
    panel = case.set_up()  # quotas on gender and age (16-39, 40+)
    young = case.register(panel, 1, age=39).get_json()["pseudonym"]
    old = case.register(panel, 2, age=40).get_json()["pseudonym"]
    with case.uow() as uow:
        assert uow.pool.get(UUID(panel), young).registration.strata["age"] == "16-39"
        assert uow.pool.get(UUID(panel), old).registration.strata["age"] == "40+"


def test_a_panel_without_an_age_rule_needs_no_age(case):
    panel = case.set_up(min_age=0, features={"gender": {"female": {"min": 0, "max": 6}, "male": {"min": 0, "max": 6}}})
    assert case.register(panel, 1, attrs={"resident": True}).status_code == 202


def test_every_officials_step_carries_who_did_it_and_the_administrator_lists_them(case, drawn):
    panel, member = drawn
    replacement = case.post(f"/panels/{panel}/members/{member}/decline", headers=case.coordinator).get_json()
    session = {"title": "Kick-off", "starts_at": case.now.isoformat(), "moderator": "Extern bureau"}
    case.post(f"/panels/{panel}/sessions", session, case.coordinator)
    moderator_id = uuid.uuid4()
    members = case.get(f"/panels/{panel}").get_json()["selected"]
    counts = {"counts": {m: 2 for m in members}}
    moderator = case.as_role("moderator", sub=moderator_id, role_scopes={"moderator": [f"panel:{panel}"]})
    assert case.put(f"/panels/{panel}/sessions/1/contributions", counts, moderator).status_code == 200
    assert case.get(f"/panels/{panel}/contributions", moderator).get_json()["per_member"]
    assert "per_member" not in case.get(f"/panels/{panel}/contributions").get_json()
    delivered = {"recommendations": [{"text": "Do it.", "support": 6, "against": 0}], "answer_within_days": 30}
    case.post(f"/panels/{panel}/recommendations", delivered, case.coordinator)
    council = uuid.uuid4()
    answer = {"verdict": "adopted", "reasons": "In the budget of 2027."}
    assert case.post(f"/panels/{panel}/recommendations/1/answer", answer, case.as_role("decision_body", sub=council))

    coordinator = {"id": str(case.coordinator_id), "role": "panel_coordinator"}
    events = {e.type.split(".")[-2]: e.data for e in case.outbox() if ".panels.panel." in e.type}
    for name in ("set_up", "pool_closed", "lottery_requested", "drawn", "member_declined", "member_replaced"):
        assert events[name]["actor"] == coordinator, name
    assert events["contributions_logged"]["actor"] == {"id": str(moderator_id), "role": "moderator"}
    for name in ("recommendation_answered", "answered"):
        assert events[name]["actor"] == {"id": str(council), "role": "decision_body"}
    assert "actor" not in events["lottery_committed"], "the worker's lottery is the service's own step"
    assert all("actor" not in e.data for e in case.outbox() if ".panels.respondent." in e.type)

    listing = case.get(f"/panels/{panel}/audit", case.as_role("administrator"))
    assert listing.status_code == 200
    steps = [(e["action"], e["actor"]["role"], e["actor"]["id"]) for e in listing.get_json()]
    who = str(case.coordinator_id)
    assert steps == [
        ("set_up", "panel_coordinator", who),
        ("pool_closed", "panel_coordinator", who),
        ("lottery_requested", "panel_coordinator", who),
        ("drawn", "panel_coordinator", who),
        ("member_declined", "panel_coordinator", who),
        ("composition_final", "panel_coordinator", who),
        ("contributions_logged", "moderator", str(moderator_id)),
        ("recommendations_delivered", "panel_coordinator", who),
        ("recommendation_answered", "decision_body", str(council)),
    ]
    entry = listing.get_json()[4]
    assert entry["details"] == {"pseudonym": member} and replacement["replacement"]
    assert entry["at"].startswith(case.now.date().isoformat())
    assert case.get(f"/panels/{panel}/audit", case.coordinator).status_code == 403
    assert case.get(f"/panels/{panel}/audit").status_code == 401
    assert case.get(f"/panels/{uuid.uuid4()}/audit", case.as_role("administrator")).status_code == 404


def test_the_public_reads_the_draw_its_artefacts_and_the_answers_without_a_token(case, drawn):
    panel, member = drawn
    for path in ("", "/artefacts", "/representativeness", "/contributions", f"/probabilities/{member}"):
        assert case.get(f"/panels/{panel}{path}").status_code == 200, path
    assert case.get("/panels").status_code == 200
    shown = case.get(f"/panels/{panel}").get_json()
    text = str(shown)
    assert "example.org" not in text and "Resident" not in text and "Stationsstraat" not in text
