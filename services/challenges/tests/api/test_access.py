"""Who may do what, proven against the app: the token decides, nothing else, and a refusal changes nothing.

The access matrix in docs/roles/challenges.md is enumerated here: every endpoint of the OpenAPI
document x every role of the one role model (and anonymous callers).
"""

import re
import uuid
from pathlib import Path

import pytest

from meemaken_events import catalogue
from meemaken_kit.roles import Role
from meemaken_testkit.tokens import RESIDENT_ATTRS, bearer

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[4]
MATRIX = ROOT / "docs" / "roles" / "challenges.md"
OPENAPI = ROOT / "services" / "challenges" / "openapi.json"
OPERATIONS = ("/healthz", "/readyz", "/metrics", "/api/openapi.json")


def matrix() -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, {role: qualifier}) per row of the table; `public` as the role `public`."""
    rows = []
    for line in MATRIX.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("method", "---") or not cells[1].startswith("/"):
            continue
        who = {}
        for entry in cells[2].split(","):
            found = re.fullmatch(r"(\S+)(?: \((own|scoped)\))?", entry.strip())
            assert found, f"cannot read {entry!r} in {line}"
            who[found.group(1)] = found.group(2) or ""
        rows.append((cells[0], cells[1], who))
    return rows


def token_for(role: str) -> dict[str, str]:
    attrs = RESIDENT_ATTRS if role in (Role.RESIDENT, Role.GROUP_REPRESENTATIVE) else None
    return bearer("challenges", role, attrs=attrs)


def concrete(path: str, **ids: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def send(case, method, path, headers, body=None):
    return case.client.open(path, method=method, json={} if body is None else body, headers=headers)


@pytest.fixture
def in_assessment(case):
    challenge = case.draft(case.task("flanders"))
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    case.gate_check(challenge)
    case.post(f"/challenges/{challenge}/assessors", "case_officer", {"assessor_id": str(case.assessor)})
    return challenge


def snapshot(case, challenge):
    return case.get(f"/challenges/{challenge}", "case_officer").get_json(), case.counts()


# --- the matrix ---------------------------------------------------------------------------


def test_the_matrix_names_every_endpoint_of_the_openapi_document_once():
    import json

    documented = {
        (method.upper(), path)
        for path, operations in json.loads(OPENAPI.read_text())["paths"].items()
        for method in operations
        if method != "parameters" and path not in OPERATIONS
    }
    rows = [(method, path) for method, path, _ in matrix()]
    assert len(rows) == len(set(rows)), "a row appears twice"
    assert set(rows) == documented
    assert all(role in (*Role, "public") for _, _, who in matrix() for role in who)


def test_every_endpoint_refuses_every_role_the_matrix_does_not_name(case):
    """Random ids: a role not in the row gets 403 before anything is read; a named one never 401/403
    unless it is (own) or (scoped); anonymous gets 401 except on public rows. Nothing changes."""
    before = case.counts()
    for method, path, who in matrix():
        url = concrete(path)
        anonymous = send(case, method, url, {})
        if "public" in who:
            assert anonymous.status_code not in (401, 403), (method, path)
            continue
        assert anonymous.status_code == 401, (method, path)
        for role in Role:
            response = send(case, method, url, token_for(role))
            if role not in who:
                assert response.status_code == 403, (method, path, role, response.get_json())
            elif who[role]:  # own or scoped: a random case may be hidden (404) or refused (403)
                assert response.status_code not in (401,), (method, path, role)
            else:
                assert response.status_code not in (401, 403), (method, path, role, response.get_json())
    assert case.counts() == before


def test_on_a_real_case_every_role_not_named_is_refused_and_nothing_changes(case, in_assessment):
    before = snapshot(case, in_assessment)
    for method, path, who in matrix():
        if "{challenge_id}" not in path:
            continue
        url = concrete(path, challenge_id=in_assessment)
        for role in Role:
            if role in who:
                continue
            response = send(case, method, url, case.headers(role))
            assert response.status_code == 403, (method, path, role)
            assert response.content_type == "application/problem+json"
    assert snapshot(case, in_assessment) == before


# --- forged and foreign identities ---------------------------------------------------------


FORGED = [
    {"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "decision_body", "X-Meemaken-Actor": str(uuid.uuid4())},
    {"X-Meemaken-Role": "administrator"},
]


def test_forged_identity_headers_are_refused_everywhere_and_change_nothing(case, in_assessment):
    before = snapshot(case, in_assessment)
    for method, path, who in matrix():
        if "public" in who:
            continue
        url = concrete(path, challenge_id=in_assessment)
        for headers in [*FORGED, {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(case.resident)}]:
            response = send(case, method, url, headers, {"outcome": "accept", "motivation": "Forged."})
            assert response.status_code == 401, (method, path, headers)
    assert snapshot(case, in_assessment) == before


def test_a_token_for_another_service_or_a_tampered_one_is_refused(case, in_assessment):
    before = snapshot(case, in_assessment)
    path = f"/api/v1/challenges/{in_assessment}/dialogue"
    assert case.client.post(path, json={}, headers=bearer("proposals", "case_officer")).status_code == 401
    header = bearer("challenges", "case_officer")["Authorization"]
    tampered = header[:-4] + ("AAAA" if not header.endswith("AAAA") else "BBBB")
    assert case.client.post(path, json={}, headers={"Authorization": tampered}).status_code == 401
    assert case.client.post(path, json={}, headers={"Authorization": "Basic b2ZmaWNpYWw6"}).status_code == 401
    assert snapshot(case, in_assessment) == before


def test_a_self_declared_official_cannot_decide_a_case_only_the_decision_body_can(case, in_assessment):
    case.assess(in_assessment, 3)
    path = f"/api/v1/challenges/{in_assessment}/decision"
    body = {"outcome": "accept", "motivation": "Cheaper and well supported."}
    before = snapshot(case, in_assessment)
    events_before = case.events(in_assessment)

    forged = case.client.post(
        path, json=body, headers={"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(case.officer)}
    )
    assert forged.status_code == 401
    as_resident = case.client.post(path, json=body, headers=case.headers("resident"))
    assert as_resident.status_code == 403
    as_representative = case.client.post(path, json=body, headers=case.headers("group_representative"))
    assert as_representative.status_code == 403
    as_case_officer = case.client.post(path, json=body, headers=case.headers("case_officer"))
    assert as_case_officer.status_code == 403 and "decision_body" in as_case_officer.get_json()["detail"]
    assert snapshot(case, in_assessment) == before and case.events(in_assessment) == events_before
    assert snapshot(case, in_assessment)[0]["status"] == "decision_pending"

    decided = case.client.post(path, json=body, headers=case.headers("decision_body"))
    assert decided.status_code == 200 and decided.get_json()["status"] == "accepted"
    accepted = case.envelopes(in_assessment)[-1]
    assert accepted.data["actor"] == {"id": str(case.decider), "role": "decision_body"}


# --- identity from the token, eligibility from verified attributes ----------------------------


def new_challenge_body(task_id, **group):
    return {
        "task_id": task_id,
        "group": {"name": "Buurtwerking De Linde", "legal_form": "vzw", "members_count": 35, **group},
    }


def test_the_representative_is_the_token_subject_and_a_body_naming_someone_else_is_refused(case):
    task = case.task("flanders")
    someone_else = str(uuid.uuid4())
    before = case.counts()
    for body in (
        new_challenge_body(task, representative_id=someone_else),
        {**new_challenge_body(task), "representative_id": someone_else},
        {**new_challenge_body(task), "author_id": someone_else},
        {**new_challenge_body(task), "actor": {"id": someone_else, "role": "group_representative"}},
    ):
        response = case.post("/challenges", "group_representative", body)
        assert response.status_code == 422, body
    assert case.counts() == before

    created = case.post(
        "/challenges", "group_representative", new_challenge_body(task, co_initiator_ids=[someone_else])
    )
    assert created.status_code == 201
    draft = case.envelopes(str(created.get_json()["id"]))[0]
    assert draft.data["representative_id"] == str(case.resident)
    assert draft.data["actor"] == {"id": str(case.resident), "role": "group_representative"}


def test_a_plain_resident_cannot_open_a_challenge_a_group_representative_can(case):
    task = case.task("flanders")
    before = case.counts()
    refused = case.post("/challenges", "resident", new_challenge_body(task))
    assert refused.status_code == 403 and "group_representative" in refused.get_json()["detail"]
    assert case.counts() == before


@pytest.mark.parametrize(
    ("attrs", "reason"),
    [
        ({**RESIDENT_ATTRS, "age": 16}, "18 or over"),
        ({**RESIDENT_ATTRS, "resident": False}, "live elsewhere"),
        ({k: v for k, v in RESIDENT_ATTRS.items() if k != "age"}, "age is not known"),
        ({k: v for k, v in RESIDENT_ATTRS.items() if k != "resident"}, "verify your residence"),
        ({}, "age is not known"),
    ],
)
def test_an_ineligible_representative_is_refused_with_the_reason(case, attrs, reason):
    task = case.task("flanders")
    before = case.counts()
    response = case.post("/challenges", "group_representative", new_challenge_body(task), attrs=attrs)
    assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert reason in response.get_json()["detail"]
    assert case.counts() == before


def test_the_uk_profile_lets_a_non_resident_adult_represent_a_relevant_body(case):
    task = case.task("uk")
    outsider = {**RESIDENT_ATTRS, "resident": False, "municipality": "elsewhere"}
    assert case.post("/challenges", "group_representative", new_challenge_body(task), attrs=outsider).status_code == 201
    minor = {**outsider, "age": 17}
    assert case.post("/challenges", "group_representative", new_challenge_body(task), attrs=minor).status_code == 403


# --- the relation to the case: own, assigned, scoped ------------------------------------------


def test_only_the_representative_acts_for_the_group_co_initiators_may_read(case):
    co_initiator = uuid.uuid4()
    task = case.task("flanders")
    body = {**new_challenge_body(task, co_initiator_ids=[str(co_initiator)])}
    challenge = str(case.post("/challenges", "group_representative", body).get_json()["id"])
    assert case.get(f"/challenges/{challenge}", "resident", who=co_initiator).status_code == 200
    assert [c["id"] for c in case.get("/challenges", "resident", who=co_initiator).get_json()] == [challenge]
    before = case.counts()
    refused = case.post(
        f"/challenges/{challenge}/withdrawal", "group_representative", {"reason": "x"}, who=co_initiator
    )
    assert refused.status_code == 403 and "representative" in refused.get_json()["detail"]
    stranger = case.post(
        f"/challenges/{challenge}/withdrawal", "group_representative", {"reason": "x"}, who=uuid.uuid4()
    )
    assert stranger.status_code == 404
    assert case.counts() == before


def test_only_an_assigned_assessor_scores_and_sees_the_case(case, in_assessment):
    other = uuid.uuid4()
    score = {"criterion": "cost", "value": 3, "motivation": "As argued."}
    before = snapshot(case, in_assessment)
    refused = case.post(f"/challenges/{in_assessment}/scores", "assessor", score, who=other)
    assert refused.status_code == 403 and "assigned" in refused.get_json()["detail"]
    assert case.get(f"/challenges/{in_assessment}", "assessor", who=other).status_code == 403
    assert case.get("/challenges", "assessor", who=other).get_json() == []
    assert snapshot(case, in_assessment) == before
    assert case.post(f"/challenges/{in_assessment}/scores", "assessor", score).status_code == 200
    assert case.envelopes(in_assessment)[-1].data["actor"] == {"id": str(case.assessor), "role": "assessor"}


def test_a_scoped_case_officer_acts_only_within_their_department_or_case(case, in_assessment):
    mobility = {"role_scopes": {"case_officer": ["department:mobility"]}}
    task_body = {
        "title": "Bike repair point",
        "description": "Running the bike repair point.",
        "department": "mobility",
        "current_yearly_cost_cents": 1,
        "budget_cents": 1,
        "profile": "flanders",
    }
    before = snapshot(case, in_assessment)
    culture_task = case.post("/tasks", "case_officer", {**task_body, "department": "culture"}, **mobility)
    assert culture_task.status_code == 403
    refused = case.post(f"/challenges/{in_assessment}/dialogue", "case_officer", **mobility)
    assert refused.status_code == 403 and "department:mobility" in refused.get_json()["detail"]
    assert case.get(f"/challenges/{in_assessment}", "case_officer", **mobility).status_code == 403
    assert case.get("/challenges", "case_officer", **mobility).get_json() == []
    assert snapshot(case, in_assessment) == before

    mobility_task = case.post("/tasks", "case_officer", task_body, **mobility)
    assert mobility_task.status_code == 201
    moved = case.client.patch(
        f"/api/v1/tasks/{mobility_task.get_json()['id']}",
        json={"department": "culture"},
        headers=case.headers("case_officer", **mobility),
    )
    assert moved.status_code == 403

    this_case = {"role_scopes": {"case_officer": [f"case:{in_assessment}"]}}
    assert case.post(f"/challenges/{in_assessment}/dialogue", "case_officer", **this_case).status_code == 200
    assert [c["id"] for c in case.get("/challenges", "case_officer", **this_case).get_json()] == [in_assessment]
    culture = {"role_scopes": {"decision_body": ["department:culture"]}}
    assert case.get(f"/challenges/{in_assessment}", "decision_body", **culture).status_code == 200


# --- the audit ----------------------------------------------------------------------------


def test_every_action_of_a_person_is_signed_in_its_event_and_listed_in_the_audit(case, in_assessment):
    case.assess(in_assessment, 3)
    body = {"outcome": "accept", "motivation": "Cheaper and well supported."}
    assert case.post(f"/challenges/{in_assessment}/decision", "decision_body", body).status_code == 200

    who = {
        "group_representative": str(case.resident),
        "case_officer": str(case.officer),
        "assessor": str(case.assessor),
        "decision_body": str(case.decider),
    }
    automatic = {"acknowledged", "admissibility_check_started", "gates_checked", "assessment_opened"}
    for envelope in case.envelopes(in_assessment):
        catalogue()[envelope.type].validate(dict(envelope.data))  # the actor is part of each event's schema
        name = envelope.type.removeprefix("org.meemaken.challenges.challenge.").removesuffix(".v1")
        if name in automatic:
            assert "actor" not in envelope.data, name
        else:
            actor = envelope.data["actor"]
            assert who[actor["role"]] == actor["id"], name
    assigned = next(e for e in case.envelopes(in_assessment) if e.type.endswith("assessor_assigned.v1"))
    assert assigned.data["details"]["assessor_id"] == str(case.assessor)

    trail = case.get(f"/challenges/{in_assessment}/audit", "administrator")
    assert trail.status_code == 200
    lines = [
        (e["action"], e["actor"] and e["actor"]["role"], e["actor"] and e["actor"]["id"]) for e in trail.get_json()
    ]
    assert lines[0] == ("draft_saved", "group_representative", str(case.resident))
    assert ("submitted", "group_representative", str(case.resident)) in lines
    assert ("gates_checked", None, None) in lines
    assert ("assessor_assigned", "case_officer", str(case.officer)) in lines
    assert ("scored", "assessor", str(case.assessor)) in lines
    assert ("decision_proposed", "case_officer", str(case.officer)) in lines
    assert lines[-1] == ("accepted", "decision_body", str(case.decider))
    assert trail.get_json()[-1]["from_status"] == "decision_pending"
    assert trail.get_json()[-1]["to_status"] == "accepted"

    assert case.get(f"/challenges/{in_assessment}/audit", "decision_body").status_code == 200
    assert case.get(f"/challenges/{in_assessment}/audit", "case_officer").status_code == 200
    assert case.get(f"/challenges/{in_assessment}/audit", "group_representative").status_code == 403
    assert case.get(f"/challenges/{in_assessment}/audit").status_code == 401
    other_department = {"role_scopes": {"case_officer": ["department:mobility"]}}
    assert case.get(f"/challenges/{in_assessment}/audit", "case_officer", **other_department).status_code == 403
    assert case.get(f"/challenges/{in_assessment}", "administrator").status_code == 403  # the trail, not the case
    assert case.get(f"/challenges/{uuid.uuid4()}/audit", "administrator").status_code == 404


def test_published_decisions_stay_public_and_name_nobody(case, in_assessment):
    case.assess(in_assessment, 3)
    case.post(f"/challenges/{in_assessment}/decision", "decision_body", {"outcome": "accept", "motivation": "Good."})
    published = case.client.get("/api/v1/decisions")
    assert published.status_code == 200 and len(published.get_json()) == 1
    text = published.get_data(as_text=True)
    for person in (case.resident, case.officer, case.decider, case.assessor):
        assert str(person) not in text
