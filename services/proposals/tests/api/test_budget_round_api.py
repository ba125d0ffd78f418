"""A budget round through the API on PostgreSQL: phases, ballots (bad ones change nothing), one counted ballot
per voter under 200 concurrent submissions, paper ballots, the count."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from meemaken_kit import Settings, make_engine, migrate
from proposals.adapters.tables import ballots, outbox
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import budgets

pytestmark = pytest.mark.postgres
OFFICIAL = {"X-Meemaken-Role": "official", "X-Meemaken-Actor": str(uuid.uuid4())}
VOTER = {"age": 34, "resident": True, "district": "Noord"}
PHASE = {"name": "round", "starts_at": "2027-01-01T00:00:00+00:00", "ends_at": "2027-12-01T00:00:00+00:00"}


@pytest.fixture
def case(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url, pool_size=20)
    settings = Settings.from_env("proposals", {"DATABASE_URL": database_url})
    yield create_app(settings, engine).test_client(), engine, unit_of_work_factory(settings, engine)
    engine.dispose()


def resident(who=None):
    return {"X-Meemaken-Role": "resident", "X-Meemaken-Actor": str(who or uuid.uuid4())}


def voting_round(client, form=None, rule="greedy", district_budgets=None):
    process = {"id": "budget-2027", "municipality": "gent", "title": "Citizen budget", "kind": "budget_round"}
    client.post(
        "/api/v1/processes", json=process | {"phases": [PHASE | {"rung_promised": "meebeslissen"}]}, headers=OFFICIAL
    )
    body = {
        "process_id": "budget-2027",
        "title": "Citizen budget 2027",
        "budget": 100_000,
        "rule": rule,
        "form": form or {"kind": "approval"},
        "district_budgets": district_budgets or {},
    }
    created = client.post("/api/v1/rounds", json=body, headers=OFFICIAL)
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    for title, cost in (("Benches", 60_000), ("Trees", 50_000), ("Playground", 40_000), ("Mural", 90_000)):
        added = client.post(f"/api/v1/rounds/{rid}/projects", json={"title": title, "cost": cost}, headers=resident())
        assert added.status_code == 201, added.get_json()
    assert client.post(f"/api/v1/rounds/{rid}/feasibility", headers=OFFICIAL).status_code == 200
    for pid, cost in (("p1", 50_000), ("p2", 50_000), ("p3", 40_000)):
        body = {"feasible": True, "cost": cost, "legal_check": "Public land."}
        assessed = client.post(f"/api/v1/rounds/{rid}/projects/{pid}/assessment", headers=OFFICIAL, json=body)
        assert assessed.status_code == 200, assessed.get_json()
    no = {"feasible": False, "cost": 90_000, "legal_check": "Listed building.", "reason": "Heritage rules forbid it."}
    client.post(f"/api/v1/rounds/{rid}/projects/p4/assessment", headers=OFFICIAL, json=no)
    opened = client.post(f"/api/v1/rounds/{rid}/voting", json={"lot_order": ["p3", "p1", "p2"]}, headers=OFFICIAL)
    assert opened.status_code == 200 and opened.get_json()["phase"] == "voting"
    return rid


def stored(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(ballots.c.voter_id, ballots.c.projects, ballots.c.paper)).all()


def events(engine):
    with engine.connect() as conn:
        return [t.split(".")[-2] for t in conn.execute(sa.select(outbox.c.type).order_by(outbox.c.id)).scalars()]


def test_a_round_runs_from_ideas_to_results_with_every_step_an_event(case):
    client, engine, uow = case
    rid = voting_round(client)
    first = client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident())
    assert first.status_code == 201 and first.get_json() == {"round_id": rid, "paper": False, "replaced": 0}
    me = resident()
    client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=me)
    replaced = client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p2", "p3"]}, headers=me)
    assert replaced.status_code == 200 and replaced.get_json()["replaced"] == 1
    paper_voter = str(uuid.uuid4())
    paper = client.post(
        f"/api/v1/rounds/{rid}/paper-ballots",
        headers=OFFICIAL,
        json={"voter_id": paper_voter, "voter": VOTER, "projects": ["p2", "p3"]},
    )
    assert paper.status_code == 201 and paper.get_json()["paper"] is True
    online_again = client.put(
        f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident(paper_voter)
    )
    assert online_again.status_code == 409
    closed = client.post(f"/api/v1/rounds/{rid}/close", headers=OFFICIAL)
    assert closed.get_json()["phase"] == "closed"
    budgets.tally_round(uow(), uuid.UUID(rid))
    budgets.tally_round(uow(), uuid.UUID(rid))  # a redelivered `closed` counts nothing twice
    result = client.get(f"/api/v1/rounds/{rid}").get_json()
    # votes p1 1 (50k), p2 2 (50k), p3 2 (40k); greedy by votes, ties by lowest cost: p3, p2 (90k), p1 no longer fits
    assert result["phase"] == "results" and result["results"]["selected"] == ["p3", "p2"]
    assert (result["results"]["voters"], result["results"]["paper_ballots"]) == (3, 1)
    assert {e["project_id"]: e["selected"] for e in result["results"]["explanation"]} == {
        "p1": False,
        "p2": True,
        "p3": True,
    }
    voters = client.get(
        f"/api/v1/rounds/{rid}/voters", headers={"X-Meemaken-Role": "service", "X-Meemaken-Actor": str(uuid.uuid4())}
    )
    assert len(voters.get_json()["voters"]) == 3 and voters.get_json()["next"] is None
    service = {"X-Meemaken-Role": "service", "X-Meemaken-Actor": str(uuid.uuid4())}
    first = client.get(f"/api/v1/rounds/{rid}/voters?limit=2", headers=service).get_json()
    rest = client.get(f"/api/v1/rounds/{rid}/voters?limit=2&after={first['next']}", headers=service).get_json()
    assert len(first["voters"]) == 2 and len(rest["voters"]) == 1 and rest["next"] is None
    assert sorted(first["voters"] + rest["voters"]) == sorted(voters.get_json()["voters"])
    assert client.get(f"/api/v1/rounds/{rid}/voters").status_code == 403
    tracked = client.post(
        f"/api/v1/rounds/{rid}/projects/p3/tracking",
        headers=OFFICIAL,
        json={"stage": "in_progress", "note": "Tender published."},
    )
    assert tracked.get_json()["phase"] == "implementation"
    assert events(engine)[1:] == [
        "opened",
        *["project_added"] * 4,
        "feasibility_started",
        *["project_assessed"] * 4,
        "voting_opened",
        "closed",
        "results_published",
        "project_tracked",
    ]


def test_bad_ballots_are_refused_with_a_clear_problem_and_nothing_stored(case):
    client, engine, _uow = case
    rid = voting_round(client, form={"kind": "approval"})
    bad = [
        ({"voter": VOTER, "projects": ["p1", "p2", "p3"]}, resident(), 422, "more than the city-wide budget"),
        ({"voter": VOTER, "projects": ["p9"]}, resident(), 422, "unknown project"),
        ({"voter": VOTER, "projects": ["p4"]}, resident(), 422, "unknown project"),  # not feasible: not on the ballot
        ({"voter": VOTER, "projects": []}, resident(), 422, "names no project"),
        ({"voter": VOTER, "points": {"p1": 3}}, resident(), 422, "list of projects"),
        ({"voter": VOTER | {"age": 12}, "projects": ["p1"]}, resident(), 403, "at least 16"),
        ({"voter": VOTER | {"resident": False}, "projects": ["p1"]}, resident(), 403, "residents"),
        ({"voter": VOTER, "projects": ["p1"]}, {}, 403, "resident"),
        ({"projects": ["p1"]}, resident(), 422, "voter"),
    ]
    for body, headers, status, says in bad:
        response = client.put(f"/api/v1/rounds/{rid}/ballot", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
        assert response.content_type == "application/problem+json" and says in str(response.get_json()), says
    assert (
        client.put(
            f"/api/v1/rounds/{uuid.uuid4()}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident()
        ).status_code
        == 404
    )
    client.post(f"/api/v1/rounds/{rid}/close", headers=OFFICIAL)
    after = client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident())
    assert after.status_code == 409 and "voting is open" in after.get_json()["detail"]
    assert stored(engine) == []


def test_200_concurrent_ballots_of_one_resident_leave_exactly_one_counted_ballot(case):
    client, engine, _uow = case
    rid = voting_round(client)
    me = resident()
    choices = [["p1"], ["p2"], ["p3"], ["p2", "p3"]]

    def vote(i):
        return client.put(
            f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": choices[i % 4]}, headers=me
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(vote, range(200)))
    assert set(codes) <= {200, 201} and codes.count(201) == 1
    [(voter, projects, paper)] = stored(engine)
    assert str(voter) == me["X-Meemaken-Actor"] and projects in choices and paper is False


def test_cumulative_and_ranking_forms_are_checked_and_counted(case):
    client, _engine, uow = case
    rid = voting_round(client, form={"kind": "cumulative", "points": 5}, rule="equalshares")
    ok = client.put(
        f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "points": {"p1": 3, "p3": 2}}, headers=resident()
    )
    too_many = client.put(
        f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "points": {"p1": 3, "p3": 3}}, headers=resident()
    )
    assert (ok.status_code, too_many.status_code) == (201, 422)
    client.post(f"/api/v1/rounds/{rid}/close", headers=OFFICIAL)
    assert budgets.tally_round(uow(), uuid.UUID(rid)).results.voters == 1


def test_a_bad_round_is_refused(case):
    client, _engine, _uow = case
    voting_round(client)
    body = {"process_id": "budget-2027", "title": "Again", "budget": 100, "form": {"kind": "approval"}}
    for change, status in [
        ({"rule": "most-likes"}, 422),
        ({"form": {"kind": "k_approval"}}, 422),
        ({"district_budgets": {"Noord": 200}}, 422),
        ({"form": {"kind": "ranking", "k": 3}, "rule": "equalshares"}, 422),
        ({"process_id": "no-such-process"}, 404),
    ]:
        response = client.post("/api/v1/rounds", json=body | change, headers=OFFICIAL)
        assert response.status_code == status, (change, response.get_json())


def test_a_round_closed_by_another_process_refuses_ballots_checked_against_a_stale_copy(case):
    client, engine, _uow = case
    rid = voting_round(client)
    first = client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident())
    assert first.status_code == 201  # this process now holds the round as open for voting
    with engine.begin() as conn:  # another API process closes it
        from proposals.adapters.tables import rounds

        conn.execute(rounds.update().values(phase="closed", version=rounds.c.version + 1))
    late = client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": ["p1"]}, headers=resident())
    assert late.status_code == 409 and "closed phase" in late.get_json()["detail"]
    assert len(stored(engine)) == 1


def test_the_closed_round_is_published_in_the_pabulib_format_and_recomputes_to_the_same_result(case):
    from proposals.domain.budgeting import pabulib, tally

    client, _engine, uow = case
    rid = voting_round(client, rule="equalshares/add1")
    for choice in (["p1"], ["p1"], ["p2", "p3"], ["p2", "p3"], ["p3"]):
        client.put(f"/api/v1/rounds/{rid}/ballot", json={"voter": VOTER, "projects": choice}, headers=resident())
    early = client.get(f"/api/v1/rounds/{rid}/pabulib")
    assert early.status_code == 409 and early.content_type == "application/problem+json"
    client.post(f"/api/v1/rounds/{rid}/close", headers=OFFICIAL)
    published = budgets.tally_round(uow(), uuid.UUID(rid)).results
    response = client.get(f"/api/v1/rounds/{rid}/pabulib")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    election = pabulib.parse(response.get_data(as_text=True))
    assert len(election.ballots) == 5 and election.meta["rule"] == "equalshares/add1"
    assert {p.id for p in election.projects.values() if p.selected} == set(published.selected)
    assert tally(election).selected_set == set(published.selected)
