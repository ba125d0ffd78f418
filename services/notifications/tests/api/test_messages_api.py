"""The in-app inbox, on an SQLite file (as `make run` uses) and on PostgreSQL."""

import uuid

import pytest
import sqlalchemy as sa
from notifications_builders import NOW, proposal_event

from meemaken_kit import Settings
from meemaken_testkit.tokens import bearer
from notifications.adapters.tables import messages
from notifications.bootstrap import create_app
from notifications.integration.incoming import handler


@pytest.fixture
def client(engine, url):
    return create_app(Settings.from_env("notifications", {"DATABASE_URL": url}), engine).test_client()


def as_(resident):
    return bearer("notifications", "resident", sub=resident)


def handle(engine, *events):
    with engine.begin() as conn:
        for event in events:
            handler(lambda: NOW)(conn, event)


def test_the_author_reads_the_outcome_of_each_proposal_newest_first(engine, client):
    author = uuid.uuid4()
    handle(engine, proposal_event("admitted", author))
    rejected = proposal_event("rejected", author, reasons=[{"code": "duplicate_title", "detail": "x"}])
    with engine.begin() as conn:
        handler(lambda: NOW.replace(minute=5))(conn, rejected)
    listed = client.get(f"/api/v1/residents/{author}/messages", headers=as_(author)).get_json()
    assert [m["kind"] for m in listed] == ["proposal_rejected", "proposal_admitted"]
    assert listed[0]["event_id"] == rejected.id and listed[0]["language"] == "nl"
    assert "dezelfde titel" in listed[0]["body"]
    stranger = uuid.uuid4()
    assert client.get(f"/api/v1/residents/{stranger}/messages", headers=as_(stranger)).get_json() == []


def test_a_message_marked_read_leaves_the_unread_list_and_the_count(engine, client):
    author = uuid.uuid4()
    handle(engine, proposal_event("admitted", author), proposal_event("admitted", author))
    assert client.get(f"/api/v1/residents/{author}/messages/unread-count", headers=as_(author)).get_json() == {
        "unread": 2
    }
    message = client.get(f"/api/v1/residents/{author}/messages?unread=true", headers=as_(author)).get_json()[0]
    read = client.post(f"/api/v1/residents/{author}/messages/{message['id']}/read", headers=as_(author))
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert len(client.get(f"/api/v1/residents/{author}/messages?unread=true", headers=as_(author)).get_json()) == 1
    assert client.get(f"/api/v1/residents/{author}/messages/unread-count", headers=as_(author)).get_json() == {
        "unread": 1
    }


def test_the_same_event_twice_makes_one_message(engine):
    admitted = proposal_event("admitted", uuid.uuid4())
    handle(engine, admitted)
    handle(engine, admitted)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one() == 1


def test_unknown_messages_and_bad_queries_are_problems(client):
    author = uuid.uuid4()
    missing = client.post(f"/api/v1/residents/{author}/messages/{uuid.uuid4()}/read", headers=as_(author))
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    bad = client.get(f"/api/v1/residents/{author}/messages?limit=none&unread=maybe", headers=as_(author))
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.get_json()["errors"]} == {"/query/limit", "/query/unread"}


def test_residents_page_through_their_own_messages_only(engine, client):
    author, other = uuid.uuid4(), uuid.uuid4()
    handle(engine, *(proposal_event("admitted", author) for _ in range(3)))
    everything = client.get(f"/api/v1/residents/{author}/messages", headers=as_(author)).get_json()
    page = client.get(f"/api/v1/residents/{author}/messages?limit=2&offset=1", headers=as_(author)).get_json()
    assert [m["id"] for m in page] == [m["id"] for m in everything[1:3]]
    assert (
        client.post(f"/api/v1/residents/{other}/messages/{everything[0]['id']}/read", headers=as_(other)).status_code
        == 404
    )
    first = client.post(
        f"/api/v1/residents/{author}/messages/{everything[0]['id']}/read", headers=as_(author)
    ).get_json()["read_at"]
    again = client.post(
        f"/api/v1/residents/{author}/messages/{everything[0]['id']}/read", headers=as_(author)
    ).get_json()["read_at"]
    assert first == again and first.endswith("+00:00")


def test_a_resident_reads_no_one_elses_inbox(engine, client):
    author, other = uuid.uuid4(), uuid.uuid4()
    handle(engine, proposal_event("admitted", author))
    for response in (
        client.get(f"/api/v1/residents/{author}/messages", headers=as_(other)),
        client.get(f"/api/v1/residents/{author}/messages/unread-count", headers=as_(other)),
        client.post(f"/api/v1/residents/{author}/messages/{uuid.uuid4()}/read", headers=as_(other)),
    ):
        assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert client.get(f"/api/v1/residents/{author}/messages/unread-count").status_code == 401
    ops = bearer("notifications", "administrator")
    assert client.get(f"/api/v1/residents/{author}/messages", headers=ops).status_code == 403  # ops see the log
    service = bearer("notifications", "service", sub="service:panels", scope=["contacts:write"])
    assert client.get(f"/api/v1/residents/{author}/messages", headers=service).status_code == 403
    assert len(client.get(f"/api/v1/residents/{author}/messages", headers=as_(author)).get_json()) == 1
