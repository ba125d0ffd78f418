"""Bad input at the endpoints gets a clear 4xx problem and changes nothing."""

import io
import uuid

import pytest

pytestmark = pytest.mark.postgres


@pytest.fixture
def in_assessment(case):
    challenge = case.draft(case.task("flanders"))
    case.post(f"/challenges/{challenge}/submit", "group_representative")
    case.gate_check(challenge)
    case.post(f"/challenges/{challenge}/assessors", "case_officer", {"assessor_id": str(case.assessor)})
    return challenge


def unchanged(case, challenge, request):
    before = (case.get(f"/challenges/{challenge}", "case_officer").get_json()["version"], case.counts())
    response = request()
    after = (case.get(f"/challenges/{challenge}", "case_officer").get_json()["version"], case.counts())
    assert before == after, "a refused request changed something"
    assert response.content_type == "application/problem+json"
    return response


def test_an_illegal_transition_is_a_conflict(case, in_assessment):
    response = unchanged(
        case, in_assessment, lambda: case.post(f"/challenges/{in_assessment}/submit", "group_representative")
    )
    assert response.status_code == 409 and "cannot submit" in response.get_json()["detail"]


def test_a_rejection_without_motivation_or_ground_is_refused(case, in_assessment):
    case.assess(in_assessment, 1)
    no_motivation = unchanged(
        case,
        in_assessment,
        lambda: case.post(
            f"/challenges/{in_assessment}/decision",
            "decision_body",
            {"outcome": "reject", "grounds": ["insufficient_score"]},
        ),
    )
    assert no_motivation.status_code == 422
    assert {e["pointer"] for e in no_motivation.get_json()["errors"]} == {"/motivation"}
    no_ground = unchanged(
        case,
        in_assessment,
        lambda: case.post(
            f"/challenges/{in_assessment}/decision", "decision_body", {"outcome": "reject", "motivation": "No."}
        ),
    )
    assert no_ground.status_code == 422 and "ground" in no_ground.get_json()["detail"]


def test_a_score_outside_the_scale_is_refused(case, in_assessment):
    response = unchanged(
        case,
        in_assessment,
        lambda: case.post(
            f"/challenges/{in_assessment}/scores", "assessor", {"criterion": "cost", "value": 9, "motivation": "Great."}
        ),
    )
    assert response.status_code == 422 and "from 0 to 4" in response.get_json()["detail"]


def test_documents_too_large_or_of_a_forbidden_type_are_refused(case):
    challenge = case.draft(case.task("flanders"))

    def upload(content, kind):
        data = {"file": (io.BytesIO(content), "plan.bin", kind)}
        return case.client.post(
            f"/api/v1/challenges/{challenge}/documents",
            data=data,
            headers=case.headers("group_representative"),
            content_type="multipart/form-data",
        )

    # the service's global 1 MiB limit does not apply: a document may be 10 MiB, not a byte more
    just_fits = upload(b"%PDF-1.7 " + b"x" * (10 * 1024 * 1024 - 9), "application/pdf")
    assert just_fits.status_code == 201, just_fits.get_data(as_text=True)
    too_large = unchanged(case, challenge, lambda: upload(b"%PDF-1.7 " + b"x" * (10 * 1024 * 1024), "application/pdf"))
    assert too_large.status_code == 413
    forbidden = unchanged(case, challenge, lambda: upload(b"MZ\x90\x00" + b"\x00" * 60, "application/x-msdownload"))
    assert forbidden.status_code == 415
    # the declared type is not believed: a GIF sent as a PNG is refused (its content is image/gif), a PDF
    # sent as octet-stream is a PDF; HTML would be stored as text/plain and served as an attachment
    disguised = unchanged(case, challenge, lambda: upload(b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "image/png"))
    assert disguised.status_code == 415
    assert "its content is image/gif (declared image/png)" in disguised.get_json()["detail"]
    good = upload(b"%PDF-1.7 business plan", "application/octet-stream")
    assert good.status_code == 201 and len(good.get_json()["sha256"]) == 64
    assert good.get_json()["content_type"] == "application/pdf"
    path = f"/challenges/{challenge}/documents/{good.get_json()['id']}"
    downloaded = case.get(path, "group_representative")
    assert downloaded.data == b"%PDF-1.7 business plan"
    assert downloaded.headers["ETag"] == f'"{good.get_json()["sha256"]}"'
    assert downloaded.mimetype == "application/pdf" and downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert case.get(path, "group_representative", who=uuid.uuid4()).status_code == 404


def test_another_groups_challenge_is_invisible_and_untouchable(case, in_assessment):
    stranger = uuid.uuid4()
    assert case.get(f"/challenges/{in_assessment}", "group_representative", who=stranger).status_code == 404
    response = unchanged(
        case,
        in_assessment,
        lambda: case.post(
            f"/challenges/{in_assessment}/withdrawal", "group_representative", {"reason": "Not mine."}, who=stranger
        ),
    )
    assert response.status_code == 404
    assert case.get("/challenges", "group_representative", who=stranger).get_json() == []
    assert len(case.get("/challenges", "group_representative").get_json()) == 1
    assert case.get("/challenges").status_code == 401  # the public sees published decisions only


def test_residents_cannot_act_as_officials_and_stale_versions_are_refused(case, in_assessment):
    as_resident = unchanged(
        case, in_assessment, lambda: case.post(f"/challenges/{in_assessment}/dialogue", "group_representative")
    )
    assert as_resident.status_code == 403
    stale = unchanged(
        case,
        in_assessment,
        lambda: case.post(f"/challenges/{in_assessment}/dialogue", "case_officer", {"expected_version": 1}),
    )
    assert stale.status_code == 412


def test_unknown_ids_and_malformed_bodies_are_problems(case):
    assert case.get(f"/challenges/{uuid.uuid4()}", "case_officer").status_code == 404
    group = {"name": "x", "legal_form": "vzw", "members_count": 3}
    missing_task = case.post("/challenges", "group_representative", {"task_id": str(uuid.uuid4()), "group": group})
    assert missing_task.status_code == 404
    bad = case.client.post(
        "/api/v1/tasks", data="{nope", content_type="application/json", headers=case.headers("case_officer")
    )
    assert bad.status_code == 400
    wrong_types = case.post("/tasks", "case_officer", {"title": 1, "profile": "flanders"})
    assert wrong_types.status_code == 422
    assert {"/title", "/description", "/department"} <= {e["pointer"] for e in wrong_types.get_json()["errors"]}
    assert case.post("/tasks", "group_representative", {}).status_code == 403  # before the body is read


def test_a_task_takes_only_a_known_profile_and_criteria_set_and_new_challenges_still_work(case):
    """An unknown procedure or criteria set is refused at the door (422 naming it), on creation and on a
    change, and the task keeps working: a new challenge on it is accepted."""
    task = case.task("flanders")
    before = case.get(f"/tasks/{task}", "case_officer").get_json()
    for body in ({"criteria_set": "made-up"}, {"profile": "atlantis"}):
        changed = case.client.patch(f"/api/v1/tasks/{task}", json=body, headers=case.headers("case_officer"))
        assert changed.status_code == 422 and changed.content_type == "application/problem+json"
        assert [e["pointer"] for e in changed.get_json()["errors"]] == [f"/{next(iter(body))}"]
        assert "Must be one of" in changed.get_json()["errors"][0]["detail"]
    assert case.get(f"/tasks/{task}", "case_officer").get_json() == before
    fresh = {k: v for k, v in before.items() if k not in ("id", "version")}
    created = case.post("/tasks", "case_officer", {**fresh, "profile": "atlantis"})
    assert created.status_code == 422
    assert [e["pointer"] for e in created.get_json()["errors"]] == ["/profile"]
    case.draft(task)  # a challenge on the task still starts


def test_hostile_values_are_refused_before_anything_is_read(case):
    """Integers beyond 64 bits (also in the public list's offset), deep JSON, lone surrogates, NUL."""
    huge = case.client.get("/api/v1/tasks?offset=9223372036854775808")
    assert huge.status_code == 422 and huge.get_json()["errors"][0]["pointer"] == "/query/offset"
    counts = case.counts()
    for raw in (
        '{"budget_cents": 9223372036854775808}',
        '{"title": "\\ud800"}',
        '{"title": "a\\u0000b"}',
        "[" * 1000 + "]" * 1000,
    ):
        response = case.client.post(
            "/api/v1/tasks", data=raw, content_type="application/json", headers=case.headers("case_officer")
        )
        assert response.status_code == 422, raw[:40]
    assert case.counts() == counts


def test_a_member_count_beyond_what_a_group_can_have_is_refused_not_a_server_error(case):
    """A task's minimum of members past the column's range was a 500 on PostgreSQL (found by Schemathesis
    through the gateway): it is bounded as a group's member count is, a 422 naming it, nothing stored."""
    task = case.task("flanders")
    before = case.get(f"/tasks/{task}", "case_officer").get_json()
    fresh = {k: v for k, v in before.items() if k not in ("id", "version")}
    counts = case.counts()
    for members in (2**31, 35_184_372_088_832, 1_000_001):
        created = case.post("/tasks", "case_officer", {**fresh, "min_members": members})
        assert created.status_code == 422, (members, created.get_json())
        assert [e["pointer"] for e in created.get_json()["errors"]] == ["/min_members"]
        changed = case.client.patch(
            f"/api/v1/tasks/{task}", json={"min_members": members}, headers=case.headers("case_officer")
        )
        assert changed.status_code == 422 and changed.content_type == "application/problem+json"
    assert case.counts() == counts
    assert case.get(f"/tasks/{task}", "case_officer").get_json() == before


def test_a_retried_decision_with_its_idempotency_key_gets_the_first_answer(case, in_assessment):
    """The decision body's connection dropped after it decided: it sends the same request again with
    the same Idempotency-Key and gets the decision, not a 409; the case is decided once."""
    case.assess(in_assessment, 4)
    headers = {**case.headers("decision_body"), "Idempotency-Key": "decision-7f3a"}
    body = {"outcome": "accept", "motivation": "The plan keeps the library open on Sundays."}
    path = f"/api/v1/challenges/{in_assessment}/decision"
    first = case.client.post(path, json=body, headers=headers)
    events = case.events(in_assessment)
    again = case.client.post(path, json=body, headers=headers)
    assert first.status_code == again.status_code == 200, first.get_data(as_text=True)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert case.events(in_assessment) == events  # nothing happened twice
    without_key = case.client.post(path, json=body, headers=case.headers("decision_body"))
    assert without_key.status_code == 409  # a plain repeat is still refused: the case is decided
