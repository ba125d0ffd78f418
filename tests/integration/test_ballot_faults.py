"""Faults on a ballot's one statement, which commits itself on PostgreSQL (no BEGIN / COMMIT round trips):
its connection killed while the statement runs stores nothing and answers an error; the resident's next
ballot is then their first and the one after replaces it, one row per resident whatever happened."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from proposals_kit import MUNICIPALITY, official, resident

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.waiting import wait_for
from proposals.adapters.tables import ballots, rounds
from proposals.bootstrap import SERVICE, create_app

pytestmark = pytest.mark.postgres

PHASE = {"name": "vote", "rung_promised": "meebeslissen"}
PHASE |= {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}


def voting_round(client) -> str:
    """A round of one feasible project, voting open."""
    process = {"id": "faults", "municipality": MUNICIPALITY, "title": "Budget", "kind": "budget_round"}
    assert client.post("/api/v1/processes", json=process | {"phases": [PHASE]}, headers=official()).status_code == 201
    body = {"process_id": "faults", "title": "Budget 2027", "budget": 100_000, "form": {"kind": "approval"}}
    rid = client.post("/api/v1/rounds", json=body, headers=official()).get_json()["id"]
    client.post(f"/api/v1/rounds/{rid}/projects", json={"title": "Benches", "cost": 50_000}, headers=official())
    client.post(f"/api/v1/rounds/{rid}/feasibility", headers=official())
    assessment = {"feasible": True, "cost": 50_000, "legal_check": "Public land."}
    client.post(f"/api/v1/rounds/{rid}/projects/p1/assessment", json=assessment, headers=official())
    assert client.post(f"/api/v1/rounds/{rid}/voting", json={}, headers=official()).status_code == 200
    return str(rid)


def rows_of(engine, voter) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(ballots.c.replaced).where(ballots.c.voter_id == voter)).scalars())


def test_a_ballot_whose_connection_dies_mid_statement_is_not_stored_and_the_next_one_is_the_first(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url, pool_pre_ping=False)  # as the API runs (meemaken_kit.serve)
    client = create_app(Settings.from_env("proposals", {"DATABASE_URL": database_url}), engine).test_client()
    rid = voting_round(client)
    url, voter, choice = f"/api/v1/rounds/{rid}/ballot", uuid.uuid4(), {"projects": ["p1"]}
    assert client.put(url, json=choice, headers=resident()).status_code == 201  # the round's copy read
    other = make_engine(database_url, poolclass=sa.pool.NullPool)
    with other.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(sa.select(rounds.c.id).where(rounds.c.id == rid).with_for_update())  # as a closing does
        answer = pool.submit(client.put, url, json=choice, headers=resident(voter))
        waiting = sa.text("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT%'")
        ballot = wait_for(lambda: holder.execute(waiting).scalar())
        assert holder.execute(sa.select(sa.func.pg_terminate_backend(ballot))).scalar() is True
        holder.rollback()
        response = answer.result(timeout=60)
    assert response.status_code == 503, response.get_json()  # an error the resident may retry, never a 500
    assert rows_of(engine, voter) == []  # the statement died with its connection: nothing stored

    first = client.put(url, json=choice, headers=resident(voter))
    assert first.status_code == 201 and first.get_json()["replaced"] == 0, first.get_json()
    again = client.put(url, json=choice, headers=resident(voter))
    assert again.status_code == 200 and again.get_json()["replaced"] == 1, again.get_json()
    assert rows_of(engine, voter) == [1]
    other.dispose()
    engine.dispose()
