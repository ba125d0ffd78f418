"""The proposal list filters by status and by words in the title or text (the portal's search), and pages."""

import uuid
from datetime import UTC, datetime

import pytest
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

TEXT = "Close the street in front of the school for cars at the start and end of the day."


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    settings = Settings.from_env("proposals", {"DATABASE_URL": url})
    clock = lambda: datetime(2027, 1, 10, tzinfo=UTC)  # noqa: E731
    app = create_app(settings, engine, clock)
    uow = unit_of_work_factory(settings, engine, clock)
    process = {
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
    client = app.test_client()
    assert client.post("/api/v1/processes", json=process, headers=official()).status_code == 201
    for title, admit in (("Safer school streets", True), ("More trees on the market square", True), ("Benches", False)):
        body = {"process_id": "mobility-2027", "title": title, "text": f"{title}: {TEXT}"}
        created = client.post("/api/v1/proposals", json=body, headers=resident(None))
        assert created.status_code == 201
        if admit:
            handlers.check_admissibility(uuid.UUID(created.get_json()["id"]), uow())
    yield client
    engine.dispose()


def titles(client, query):
    response = client.get(f"/api/v1/proposals?{query}")
    assert response.status_code == 200, response.get_json()
    return sorted(p["title"] for p in response.get_json())


def test_proposals_are_found_by_status_and_by_words_in_title_or_text(client):
    assert titles(client, "status=admitted") == ["More trees on the market square", "Safer school streets"]
    assert titles(client, "status=submitted") == ["Benches"]
    assert titles(client, "q=SQUARE") == ["More trees on the market square"]  # any case
    assert len(titles(client, "q=school")) == 3  # every text names the school
    assert titles(client, "q=trees+market") == ["More trees on the market square"]
    assert titles(client, "q=trees+benches") == []
    assert titles(client, "q=100%25") == []  # a wildcard typed is a character, not a pattern
    assert titles(client, "q=market&status=admitted&process_id=mobility-2027&limit=1&offset=0") == [
        "More trees on the market square"
    ]


def test_an_unknown_status_or_an_empty_search_is_a_problem(client):
    assert client.get("/api/v1/proposals?status=lost").status_code == 422
    assert client.get("/api/v1/proposals?q=").status_code == 422
