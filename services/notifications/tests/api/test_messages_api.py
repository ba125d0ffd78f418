"""The notifications API and its event handlers, on an SQLite file (as `make run` uses) and on PostgreSQL."""

import uuid

import pytest
import sqlalchemy as sa

from meemaken_events import EventFactory
from meemaken_kit import Settings, make_engine, migrate
from notifications.adapters.tables import messages
from notifications.bootstrap import SERVICE, create_app
from notifications.integration.incoming import (
    PROPOSAL_ADMITTED,
    PROPOSAL_REJECTED,
    on_proposal_admitted,
    on_proposal_rejected,
)

PROPOSALS = EventFactory("urn:meemaken:municipality:demo:system:proposals")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'notifications.sqlite'}"
    return request.getfixturevalue("database_url")


@pytest.fixture
def engine(url):
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine, url):
    return create_app(Settings.from_env("notifications", {"DATABASE_URL": url}), engine).test_client()


def event(kind, author, **extra):
    pid = str(uuid.uuid4())
    data = {"proposal_id": pid, "process_id": "p", "author_id": str(author), "title": "Safer school streets", **extra}
    return PROPOSALS.create(kind, pid, data)


def test_the_author_reads_the_outcome_of_each_proposal_newest_first(engine, client):
    author = uuid.uuid4()
    with engine.begin() as conn:
        on_proposal_admitted(conn, event(PROPOSAL_ADMITTED, author))
        rejected = event(PROPOSAL_REJECTED, author, reasons=[{"code": "duplicate_title", "detail": "x"}])
        on_proposal_rejected(conn, rejected)
    listed = client.get(f"/api/v1/residents/{author}/messages").get_json()
    assert [m["kind"] for m in listed] == ["proposal_rejected", "proposal_admitted"]
    assert listed[0]["event_id"] == rejected.id and listed[0]["language"] == "nl"
    assert "dezelfde titel" in listed[0]["body"]
    assert client.get(f"/api/v1/residents/{uuid.uuid4()}/messages").get_json() == []


def test_a_message_marked_read_leaves_the_unread_list(engine, client):
    author = uuid.uuid4()
    with engine.begin() as conn:
        on_proposal_admitted(conn, event(PROPOSAL_ADMITTED, author))
    [message] = client.get(f"/api/v1/residents/{author}/messages?unread=true").get_json()
    read = client.post(f"/api/v1/residents/{author}/messages/{message['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert client.get(f"/api/v1/residents/{author}/messages?unread=true").get_json() == []


def test_the_same_event_cannot_make_two_messages(engine):
    author = uuid.uuid4()
    admitted = event(PROPOSAL_ADMITTED, author)
    with engine.begin() as conn:
        on_proposal_admitted(conn, admitted)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        on_proposal_admitted(conn, admitted)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one() == 1


def test_unknown_messages_and_bad_queries_are_problems(client):
    author = uuid.uuid4()
    missing = client.post(f"/api/v1/residents/{author}/messages/{uuid.uuid4()}/read")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    bad = client.get(f"/api/v1/residents/{author}/messages?limit=none&unread=maybe")
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.get_json()["errors"]} == {"/query/limit", "/query/unread"}


def test_residents_page_through_their_own_messages_only(engine, client):
    author, other = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        for _ in range(3):
            on_proposal_admitted(conn, event(PROPOSAL_ADMITTED, author))
    everything = client.get(f"/api/v1/residents/{author}/messages").get_json()
    page = client.get(f"/api/v1/residents/{author}/messages?limit=2&offset=1").get_json()
    assert [m["id"] for m in page] == [m["id"] for m in everything[1:3]]
    assert client.post(f"/api/v1/residents/{other}/messages/{everything[0]['id']}/read").status_code == 404
    first = client.post(f"/api/v1/residents/{author}/messages/{everything[0]['id']}/read").get_json()["read_at"]
    again = client.post(f"/api/v1/residents/{author}/messages/{everything[0]['id']}/read").get_json()["read_at"]
    assert first == again and first.endswith("+00:00")
