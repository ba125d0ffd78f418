"""Contacts and preferences (a person's own), audiences, the delivery log and letters (administrator)."""

import uuid

import pytest
from notifications_builders import NOW, panel_event, pseudonym

from meemaken_kit import Settings
from meemaken_testkit.tokens import bearer, service_bearer
from notifications.bootstrap import create_app
from notifications.integration.incoming import handler


def admin():
    return bearer("notifications", "administrator")  # made when used: a token lives five minutes


def panels():
    return service_bearer("panels", "notifications", "contacts:write")


@pytest.fixture
def client(engine, url):
    return create_app(Settings.from_env("notifications", {"DATABASE_URL": url}), engine, lambda: NOW).test_client()


def me(person, *roles):
    return bearer("notifications", *(roles or ("resident",)), sub=person)


def test_a_resident_sets_and_reads_their_own_contact_and_nobody_else_can(client):
    person = uuid.uuid4()
    body = {"email": "an@example.org", "language": "fr", "digest": "weekly", "muted_topics": ["panel"]}
    saved = client.put(f"/api/v1/people/{person}/contact", json=body, headers=me(person))
    assert saved.status_code == 200
    assert saved.get_json() | {} == {
        "person_id": str(person),
        "email": "an@example.org",
        "postal_address": [],
        "language": "fr",
        "channels": ["inapp", "email"],
        "digest": "weekly",
        "muted_topics": ["panel"],
    }
    assert client.get(f"/api/v1/people/{person}/contact", headers=me(person)).get_json()["language"] == "fr"
    stranger = client.get(f"/api/v1/people/{person}/contact", headers=me(uuid.uuid4()))
    assert stranger.status_code == 403 and stranger.content_type == "application/problem+json"
    assert client.get(f"/api/v1/people/{person}/contact").status_code == 401
    assert client.get(f"/api/v1/people/{person}/contact", headers=admin()).status_code == 403
    assert client.delete(f"/api/v1/people/{person}/contact", headers=me(person)).status_code == 204
    assert client.get(f"/api/v1/people/{person}/contact", headers=me(person)).status_code == 404


def test_an_official_manages_their_own_contact_to_hear_of_work(client):
    official = uuid.uuid4()
    headers = me(official, "case_officer")
    assert (
        client.put(f"/api/v1/people/{official}/contact", json={"email": "o@example.org"}, headers=headers).status_code
        == 200
    )
    assert client.get(f"/api/v1/people/{official}/contact", headers=headers).get_json()["email"] == "o@example.org"


def test_bad_preferences_are_problems_naming_the_fields(client):
    person = uuid.uuid4()
    bad = client.put(
        f"/api/v1/people/{person}/contact",
        json={"email": "nope", "language": "de", "digest": "hourly", "channels": ["pigeon"]},
        headers=me(person),
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.get_json()["errors"]} == {"/email", "/language", "/digest", "/channels/0"}


def test_residents_follow_cases_and_only_case_officers_fill_queues(client):
    person = uuid.uuid4()
    follow = client.put(f"/api/v1/audiences/challenge:{uuid.uuid4()}/followers/{person}", headers=me(person))
    assert follow.status_code == 204
    queue = client.put(f"/api/v1/audiences/department:mobility/department_queue/{person}", headers=me(person))
    assert queue.status_code == 403
    official = bearer("notifications", "case_officer", role_scopes={"case_officer": ["department:mobility"]})
    queued = client.put(f"/api/v1/audiences/department:mobility/department_queue/{person}", headers=official)
    assert queued.status_code == 204
    listed = client.get(f"/api/v1/people/{person}/audiences", headers=me(person)).get_json()
    assert sorted(a["role"] for a in listed) == ["department_queue", "followers"]
    assert client.put(f"/api/v1/audiences/nowhere/followers/{person}", headers=me(person)).status_code == 404
    assert client.put(f"/api/v1/audiences/proposal:x/voters/{person}", headers=official).status_code == 404


def test_ops_print_panel_invitations_from_the_delivery_log(engine, client):
    invitee = pseudonym()
    address = {"postal_address": ["A. Resident", "Kerkstraat 1", "9000 Gent"], "language": "nl", "channels": []}
    assert client.put(f"/api/v1/people/{invitee}/contact", json=address, headers=panels()).status_code == 200
    with engine.begin() as conn:
        handler(lambda: NOW)(conn, panel_event("invited", uuid.uuid4(), pseudonym=invitee))
    assert client.get("/api/v1/deliveries?channel=letter", headers=me(uuid.uuid4())).status_code == 403
    [letter] = client.get("/api/v1/deliveries?channel=letter&status=queued", headers=admin()).get_json()
    assert letter["template"] == "panel_invitation" and letter["recipient_id"] == invitee
    assert "Kerkstraat" not in str(letter), "the delivery log holds no addresses"
    assert client.get(f"/api/v1/letters/{letter['id']}", headers=me(uuid.uuid4())).status_code == 403
    page = client.get(f"/api/v1/letters/{letter['id']}", headers=admin())
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Kerkstraat 1" in page.get_data(as_text=True) and "@page" in page.get_data(as_text=True)
    poster = uuid.uuid4()
    printed = client.post(f"/api/v1/letters/{letter['id']}/printed", headers=me(poster, "administrator")).get_json()
    assert printed["status"] == "sent" and printed["printed_by"] == str(poster)
    assert client.get("/api/v1/deliveries?channel=letter&status=queued", headers=admin()).get_json() == []
    again = client.get(f"/api/v1/letters/{letter['id']}", headers=admin())
    assert again.status_code == 409, "a printed letter is no way to look an address up"
