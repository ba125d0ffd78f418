"""A budget project carries its own public description (what, for whom, where), as residents read it on the
ballot; contact details or identity numbers in it are refused, as in a proposal."""

import pytest
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from proposals.bootstrap import SERVICE, create_app

PHASE = {"name": "round", "starts_at": "2027-01-01T00:00:00+00:00", "ends_at": "2099-12-01T00:00:00+00:00"}
TEXT = "A shaded playground for toddlers next to the library, with benches for parents."


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    yield create_app(Settings.from_env("proposals", {"DATABASE_URL": url}), engine).test_client()
    engine.dispose()


def test_a_project_keeps_its_description_and_refuses_contact_details_in_it(client):
    process = {"id": "budget-2027", "municipality": "gent", "title": "Citizen budget", "kind": "budget_round"}
    body = process | {"phases": [PHASE | {"rung_promised": "meebeslissen"}]}
    assert client.post("/api/v1/processes", json=body, headers=official()).status_code == 201
    body = {"process_id": "budget-2027", "title": "Budget", "budget": 100_000, "form": {"kind": "approval"}}
    rid = client.post("/api/v1/rounds", json=body, headers=official()).get_json()["id"]
    idea = {"title": "Playground", "cost": 40_000, "description": f"  {TEXT}  "}
    added = client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=resident())
    assert added.status_code == 201 and added.get_json()["projects"][0]["description"] == TEXT
    assert client.get(f"/api/v1/rounds/{rid}").get_json()["projects"][0]["description"] == TEXT
    bare = client.post(f"/api/v1/rounds/{rid}/projects", json={"title": "Trees", "cost": 10}, headers=resident())
    assert bare.get_json()["projects"][1]["description"] == ""
    mail = idea | {"description": "Mail me at someone@example.org for details."}
    refused = client.post(f"/api/v1/rounds/{rid}/projects", json=mail, headers=resident())
    assert refused.status_code == 422 and "description is public" in refused.get_json()["detail"]
    assert len(client.get(f"/api/v1/rounds/{rid}").get_json()["projects"]) == 2
