"""A resident reads back their own ballot with its receipt code (the portal's "you have already voted"):
the same code as when it was cast, a new one when it is replaced, nothing for anyone else, 404 before voting."""

import uuid

import pytest
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from proposals.bootstrap import SERVICE, create_app

PHASE = {"name": "round", "starts_at": "2027-01-01T00:00:00+00:00", "ends_at": "2099-12-01T00:00:00+00:00"}


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    yield create_app(Settings.from_env("proposals", {"DATABASE_URL": url}), engine).test_client()
    engine.dispose()


def voting_round(client, form):
    process = {"id": "budget-2027", "municipality": "gent", "title": "Citizen budget", "kind": "budget_round"}
    body = process | {"phases": [PHASE | {"rung_promised": "meebeslissen"}]}
    assert client.post("/api/v1/processes", json=body, headers=official()).status_code == 201
    body = {"process_id": "budget-2027", "title": "Budget", "budget": 100_000, "rule": "greedy", "form": form}
    rid = client.post("/api/v1/rounds", json=body, headers=official()).get_json()["id"]
    for title in ("Benches", "Trees"):
        client.post(f"/api/v1/rounds/{rid}/projects", json={"title": title, "cost": 40_000}, headers=resident())
    client.post(f"/api/v1/rounds/{rid}/feasibility", headers=official())
    for pid in ("p1", "p2"):
        assessed = {"feasible": True, "cost": 40_000, "legal_check": "Public land."}
        client.post(f"/api/v1/rounds/{rid}/projects/{pid}/assessment", json=assessed, headers=official())
    assert client.post(f"/api/v1/rounds/{rid}/voting", json={}, headers=official()).status_code == 200
    return rid


def test_a_voter_reads_back_their_ballot_with_the_receipt_code_it_was_cast_with(client):
    rid = voting_round(client, {"kind": "cumulative", "points": 10})
    me = uuid.uuid4()
    assert client.get(f"/api/v1/rounds/{rid}/ballot", headers=resident(me)).status_code == 404
    cast = client.put(f"/api/v1/rounds/{rid}/ballot", json={"points": {"p2": 7, "p1": 3}}, headers=resident(me))
    assert cast.status_code == 201
    receipt = cast.get_json()["receipt"]
    assert len(receipt) == 9 and receipt[4] == "-"
    mine = client.get(f"/api/v1/rounds/{rid}/ballot", headers=resident(me))
    assert mine.status_code == 200
    got = mine.get_json()
    assert (sorted(got["projects"]), got["points"], got["paper"], got["replaced"]) == (
        ["p1", "p2"],
        {"p2": 7, "p1": 3},
        False,
        0,
    )
    assert got["receipt"] == receipt
    again = client.put(f"/api/v1/rounds/{rid}/ballot", json={"points": {"p1": 10}}, headers=resident(me))
    assert again.status_code == 200 and again.get_json()["receipt"] != receipt
    assert (
        client.get(f"/api/v1/rounds/{rid}/ballot", headers=resident(me)).get_json()["receipt"]
        == (again.get_json()["receipt"])
    )
    assert client.get(f"/api/v1/rounds/{rid}/ballot", headers=resident()).status_code == 404  # someone else
    assert client.get(f"/api/v1/rounds/{rid}/ballot").status_code == 401
    assert client.get(f"/api/v1/rounds/{uuid.uuid4()}/ballot", headers=resident(me)).status_code == 404
