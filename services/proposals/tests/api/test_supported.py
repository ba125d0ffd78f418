"""A resident reads back the proposals they support (the portal's "My page"): theirs alone, the latest first,
from the token's subject; nothing for anyone else, nobody anonymous."""

import uuid

import pytest
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.tokens import bearer
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

PHASE = {"name": "ideas", "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
TEXT = "Close the street in front of the school for cars at the start and end of the day."


@pytest.fixture
def service(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    settings = Settings.from_env("proposals", {"DATABASE_URL": url})
    yield create_app(settings, engine).test_client(), unit_of_work_factory(settings, engine)
    engine.dispose()


def admitted(client, uow, title):
    body = {"process_id": "mobility-2027", "title": title, "text": f"{title}. {TEXT}"}
    created = client.post("/api/v1/proposals", json=body, headers=resident())
    assert created.status_code == 201, created.get_json()
    handlers.check_admissibility(uuid.UUID(created.get_json()["id"]), uow())
    return created.get_json()["id"]


def test_a_resident_sees_the_proposals_they_support_the_latest_first_and_no_one_elses(service):
    client, uow = service
    process = {"id": "mobility-2027", "municipality": "gent", "title": "Mobility", "kind": "proposals_call"}
    assert (
        client.post(
            "/api/v1/processes", json=process | {"phases": [PHASE | {"rung_promised": "adviseren"}]}, headers=official()
        ).status_code
        == 201
    )
    first, second, other = (admitted(client, uow, t) for t in ("Safer school streets", "More benches", "Fewer cars"))
    me, neighbour = uuid.uuid4(), uuid.uuid4()
    assert client.get("/api/v1/proposals/supported", headers=resident(me)).get_json() == []
    for proposal in (first, second):
        assert client.post(f"/api/v1/proposals/{proposal}/support", headers=resident(me)).status_code == 200
    assert client.post(f"/api/v1/proposals/{other}/support", headers=resident(neighbour)).status_code == 200

    mine = client.get("/api/v1/proposals/supported", headers=resident(me))
    assert mine.status_code == 200
    got = mine.get_json()
    assert [s["proposal"]["id"] for s in got] == [second, first]
    assert got[0]["proposal"]["title"] == "More benches" and got[0]["proposal"]["supporters"] == 1
    assert got[0]["supported_at"] >= got[1]["supported_at"]
    page = client.get("/api/v1/proposals/supported?limit=1&offset=1", headers=resident(me)).get_json()
    assert [s["proposal"]["id"] for s in page] == [first]
    assert [
        s["proposal"]["id"] for s in client.get("/api/v1/proposals/supported", headers=resident(neighbour)).get_json()
    ] == [other]


def test_nobody_anonymous_no_forged_header_and_no_bad_page_gets_an_answer(service):
    client, _ = service
    assert client.get("/api/v1/proposals/supported").status_code == 401
    forged = {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(uuid.uuid4())}
    assert client.get("/api/v1/proposals/supported", headers=forged).status_code == 401
    assert client.get("/api/v1/proposals/supported", headers=official()).status_code == 403
    refused = client.get("/api/v1/proposals/supported?limit=0", headers=resident())
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    service_token = bearer("proposals", "service", sub="service:notifications")
    assert client.get("/api/v1/proposals/supported", headers=service_token).status_code == 403
