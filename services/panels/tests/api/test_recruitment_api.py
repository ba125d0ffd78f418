"""Recruitment over HTTP: the register extract, the invitation lottery, and letters only for the invited."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from panels.domain.pool import pseudonym

REGISTER = "\n".join(
    ["register_id,name,address,birth_year,gender"]
    + [f"R{i:04d},Resident {i},Dorpsstraat {i},{1950 + i % 50},{'female' if i % 2 else 'male'}" for i in range(40)]
    + ["R0001,Resident 1 again,Dorpsstraat 1,1951,female", "R9999,Too Young,Dorpsstraat 99,2020,male"]
)


def test_import_invite_and_only_invited_letters_count(case):
    panel = case.set_up(features={"gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}}})
    response = case.client.post(
        f"/api/v1/panels/{panel}/register-extract?strata=gender",
        data=REGISTER,
        content_type="text/csv",
        headers=case.coordinator,
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["accepted"] == 40
    assert report["rejected"] == [
        {"row": 42, "problem": "this register number appears twice"},
        {"row": 43, "problem": "younger than 16"},
    ]

    invited = case.post(f"/panels/{panel}/invitations", {"count": 10, "seed": 42}, case.coordinator)
    assert invited.get_json() == {"invited": 10}
    letters = [e.data["details"]["pseudonym"] for e in case.outbox() if e.type.endswith("panel.invited.v1")]
    assert len(letters) == 10

    base = {"channel": "letter", "consent": True, "strata": {"gender": "male"}, "contact": {"email": "a@example.org"}}
    responses = {}
    for i in range(40):
        body = {**base, "invitation_code": f"R{i:04d}", "address": f"Dorpsstraat {i}"}
        answer = case.post(f"/panels/{panel}/registrations", body, case.resident(i))
        assert answer.status_code == 202, answer.get_json()
        responses[i] = answer.get_json()["pseudonym"]
    case.run_eligibility()
    refusals = {
        i: case.get(f"/panels/{panel}/registrations/{p}", case.coordinator).get_json()["refusal"]
        for i, p in responses.items()
    }
    assert Counter(refusals.values()) == {None: 10, "not_invited": 30}
    with case.uow() as uow:
        answered = {pseudonym(uow.pseudonym_key, f"R{i:04d}") for i, refusal in refusals.items() if refusal is None}
    assert answered == set(letters), "exactly those whose reply-card code was drawn are admitted"
    assert not set(responses.values()) & set(letters), "a respondent's pseudonym comes from their login, not the code"

    someone_else = case.post(
        f"/panels/{panel}/registrations", {**base, "invitation_code": "R0001", "address": "Elders 1"}, case.resident(77)
    )
    assert someone_else.status_code == 409 and "code of this invitation" in someone_else.get_json()["detail"]


def test_a_letter_registration_keeps_the_letters_address_for_the_panel_letters(case):
    panel = case.set_up(features={"gender": {"female": {"min": 0, "max": 6}, "male": {"min": 0, "max": 6}}})
    case.client.post(
        f"/api/v1/panels/{panel}/register-extract?strata=gender",
        data=REGISTER,
        content_type="text/csv",
        headers=case.coordinator,
    )
    case.post(f"/panels/{panel}/invitations", {"count": 40, "seed": 1}, case.coordinator)
    body = {"channel": "letter", "consent": True, "invitation_code": "R0003", "address": "Dorpsstraat 3"}
    answer = case.post(
        f"/panels/{panel}/registrations", {**body, "contact": {"email": "r3@example.org"}}, case.resident(3)
    )
    with case.uow() as uow:
        contact = uow.identities.contact(UUID(panel), answer.get_json()["pseudonym"])
    assert contact == {"name": "Resident 3", "address": "Dorpsstraat 3", "email": "r3@example.org"}


def test_bad_extracts_and_invitations_change_nothing(case):
    panel = case.set_up()
    before = len(case.outbox())
    wrong_type = case.client.post(
        f"/api/v1/panels/{panel}/register-extract", data=REGISTER, content_type="text/plain", headers=case.coordinator
    )
    assert wrong_type.status_code == 415
    no_columns = case.client.post(
        f"/api/v1/panels/{panel}/register-extract?strata=district",
        data=REGISTER,
        content_type="text/csv",
        headers=case.coordinator,
    )
    assert no_columns.status_code == 422 and "district" in no_columns.get_json()["detail"]
    nobody = case.post(f"/panels/{panel}/invitations", {"count": 5}, case.coordinator)
    assert nobody.status_code == 409 and "import a register extract" in nobody.get_json()["detail"]
    as_resident = case.post(f"/panels/{panel}/invitations", {"count": 5}, case.as_role("resident"))
    assert as_resident.status_code == 403
    assert case.post(f"/panels/{panel}/invitations", {"count": 0}, case.coordinator).status_code == 422
    assert len(case.outbox()) == before
