"""A proposal's authors after sending it: photos and documents (typed by their bytes, at most five, up to
10 MiB, downloadable by anyone with nosniff), and co-authors who join with the first author's link (only a
hash of its code is kept; a new link replaces the old; joining twice counts once)."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from proposals.adapters.tables import attachment_contents, proposals
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

TEXT = "Close the street in front of the school for cars at the start and end of the day."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROCESS = {
    "id": "mobility-2027",
    "municipality": "gent",
    "title": "Mobility plan 2027",
    "kind": "proposals_call",
    "phases": [
        {
            "name": "ideas",
            "starts_at": "2027-01-01T00:00:00+00:00",
            "ends_at": "2027-03-01T00:00:00+00:00",
            "rung_promised": "adviseren",
        }
    ],
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def case(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    settings = Settings.from_env("proposals", {"DATABASE_URL": url})
    clock = Clock()
    client = create_app(settings, engine, clock).test_client()
    assert client.post("/api/v1/processes", json=PROCESS, headers=official()).status_code == 201
    author = uuid.uuid4()
    body = {"process_id": "mobility-2027", "title": "Safer school streets", "text": TEXT}
    pid = client.post("/api/v1/proposals", json=body, headers=resident(author)).get_json()["id"]
    yield client, engine, clock, author, pid, unit_of_work_factory(settings, engine, clock)
    engine.dispose()


def upload(client, pid, who, content, name="photo.png", declared="image/png"):
    data = {"file": (io.BytesIO(content), name, declared)}
    return client.post(
        f"/api/v1/proposals/{pid}/attachments", data=data, headers=resident(who), content_type="multipart/form-data"
    )


def stored(engine):
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(attachment_contents)).scalar_one()


def test_an_author_adds_a_photo_that_anyone_downloads_typed_by_its_bytes(case):
    client, _, _, author, pid, _ = case
    added = upload(client, pid, author, PNG, name="school <street>.png", declared="text/html")
    assert added.status_code == 201, added.get_json()
    attachment = added.get_json()
    assert (attachment["content_type"], attachment["size"]) == ("image/png", len(PNG))
    proposal = client.get(f"/api/v1/proposals/{pid}").get_json()
    assert [a["id"] for a in proposal["attachments"]] == [attachment["id"]]
    got = client.get(f"/api/v1/proposals/{pid}/attachments/{attachment['id']}")  # anonymous: proposals are public
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in got.headers["Content-Security-Policy"]
    assert got.headers["Content-Disposition"] == 'attachment; filename="school street.png"'
    assert client.get(f"/api/v1/proposals/{pid}/attachments/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b"<html><script>alert(1)</script></html>\x00", 415, "no known type"),
        (b"MZ\x90\x00" + b"\x00" * 60, 415, "send one of"),
        (b"", 422, "empty"),
        (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), 413, "at most 10 MiB"),
    ],
)
def test_a_document_of_the_wrong_kind_or_size_is_refused_and_nothing_stored(case, content, status, says):
    client, engine, _, author, pid, _ = case
    refused = upload(client, pid, author, content, name="x.pdf", declared="application/pdf")
    assert refused.status_code == status and refused.content_type == "application/problem+json"
    assert says in refused.get_json()["detail"]
    assert stored(engine) == 0 and client.get(f"/api/v1/proposals/{pid}").get_json()["attachments"] == []


def test_only_authors_add_documents_at_most_five_and_not_once_decided(case):
    client, engine, _, author, pid, uow = case
    stranger = upload(client, pid, uuid.uuid4(), PNG)
    assert stranger.status_code == 403 and "authors" in stranger.get_json()["detail"]
    assert upload(client, pid, None, PNG).status_code == 403  # another resident
    anonymous = client.post(f"/api/v1/proposals/{pid}/attachments", data={"file": (io.BytesIO(PNG), "a.png")})
    assert anonymous.status_code == 401
    for _ in range(5):
        assert upload(client, pid, author, PNG).status_code == 201
    sixth = upload(client, pid, author, PNG)
    assert sixth.status_code == 422 and "at most 5" in sixth.get_json()["detail"]
    assert stored(engine) == 5
    handlers.check_admissibility(uuid.UUID(pid), uow())
    answered = client.post(
        f"/api/v1/proposals/{pid}/answer", json={"position": "adopted", "reasons": "Done."}, headers=official()
    )
    assert answered.status_code == 200
    # decided: the author may not change what the municipality answered
    late = upload(client, pid, author, PNG)
    assert late.status_code in (409, 422) and stored(engine) == 5


def test_co_authors_join_with_the_authors_link_once(case):
    client, engine, clock, author, pid, _ = case
    stranger = client.post(f"/api/v1/proposals/{pid}/co-author-invitation", headers=resident())
    assert stranger.status_code == 403
    invited = client.post(f"/api/v1/proposals/{pid}/co-author-invitation", headers=resident(author))
    assert invited.status_code == 201
    code = invited.get_json()["code"]
    with engine.connect() as c:
        row = c.execute(sa.select(proposals.c.co_author_invitation)).scalar_one()
    assert code not in str(row)  # only its hash is kept
    friend = uuid.uuid4()
    wrong = client.post(f"/api/v1/proposals/{pid}/co-authors", json={"code": "guess"}, headers=resident(friend))
    assert wrong.status_code == 422 and "not valid" in wrong.get_json()["detail"]
    joined = client.post(f"/api/v1/proposals/{pid}/co-authors", json={"code": code}, headers=resident(friend))
    assert joined.status_code == 200 and joined.get_json()["co_authors"] == [str(friend)]
    again = client.post(f"/api/v1/proposals/{pid}/co-authors", json={"code": code}, headers=resident(friend))
    assert again.status_code == 200 and again.get_json()["co_authors"] == [str(friend)]
    # a co-author adds a document too
    assert upload(client, pid, friend, PNG).status_code == 201
    # a co-author does not invite; a new link replaces the old; a link expires after two weeks
    assert client.post(f"/api/v1/proposals/{pid}/co-author-invitation", headers=resident(friend)).status_code == 403
    newer = client.post(f"/api/v1/proposals/{pid}/co-author-invitation", headers=resident(author)).get_json()["code"]
    old = client.post(f"/api/v1/proposals/{pid}/co-authors", json={"code": code}, headers=resident())
    assert old.status_code == 422
    clock.now += timedelta(days=15)
    expired = client.post(f"/api/v1/proposals/{pid}/co-authors", json={"code": newer}, headers=resident())
    assert expired.status_code == 422
    assert client.get(f"/api/v1/proposals/{pid}").get_json()["co_authors"] == [str(friend)]
