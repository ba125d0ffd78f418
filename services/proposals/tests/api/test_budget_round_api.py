"""A budget round through the API on PostgreSQL: phases, ballots (bad ones change nothing), one counted ballot
per voter under 200 concurrent submissions, paper ballots, the count. The voter is who the token says and is
eligible by what their login verifies; paper ballots are a case officer's entries, recorded as theirs."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from proposals_tokens import FORGED, official, resident, voters_reader

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.tokens import bearer
from proposals.adapters.tables import ballots, outbox
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import budgets

pytestmark = pytest.mark.postgres
VOTER = {"age": 34, "resident": True, "district": "Noord"}  # as an official verifies it at the desk
PHASE = {"name": "round", "starts_at": "2027-01-01T00:00:00+00:00", "ends_at": "2027-12-01T00:00:00+00:00"}


@pytest.fixture
def case(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url, pool_size=20)
    settings = Settings.from_env("proposals", {"DATABASE_URL": database_url})
    yield create_app(settings, engine).test_client(), engine, unit_of_work_factory(settings, engine)
    engine.dispose()


def voting_round(client, form=None, rule="greedy", district_budgets=None, eligibility=None, **kwargs):
    rid = assessed_round(client, form, rule, district_budgets, eligibility, **kwargs)
    opened = client.post(f"/api/v1/rounds/{rid}/voting", json={"lot_order": ["p3", "p1", "p2"]}, headers=official())
    assert opened.status_code == 200 and opened.get_json()["phase"] == "voting"
    return rid


def assessed_round(
    client, form=None, rule="greedy", district_budgets=None, eligibility=None, rule_parameters=None, costs=None
):
    """A round whose projects are assessed (p1, p2, p3 feasible at `costs`, p4 not), ready for voting."""
    process = {"id": "budget-2027", "municipality": "gent", "title": "Citizen budget", "kind": "budget_round"}
    client.post(
        "/api/v1/processes", json=process | {"phases": [PHASE | {"rung_promised": "meebeslissen"}]}, headers=official()
    )
    body = {
        "process_id": "budget-2027",
        "title": "Citizen budget 2027",
        "budget": 100_000,
        "rule": rule,
        "form": form or {"kind": "approval"},
        "district_budgets": district_budgets or {},
        **({"eligibility": eligibility} if eligibility else {}),
        **({"rule_parameters": rule_parameters} if rule_parameters is not None else {}),
    }
    created = client.post("/api/v1/rounds", json=body, headers=official())
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    for title, cost in (("Benches", 60_000), ("Trees", 50_000), ("Playground", 40_000), ("Mural", 90_000)):
        added = client.post(f"/api/v1/rounds/{rid}/projects", json={"title": title, "cost": cost}, headers=resident())
        assert added.status_code == 201, added.get_json()
    assert client.post(f"/api/v1/rounds/{rid}/feasibility", headers=official()).status_code == 200
    for pid, cost in zip(("p1", "p2", "p3"), costs or (50_000, 50_000, 40_000), strict=True):
        body = {"feasible": True, "cost": cost, "legal_check": "Public land."}
        assessed = client.post(f"/api/v1/rounds/{rid}/projects/{pid}/assessment", headers=official(), json=body)
        assert assessed.status_code == 200, assessed.get_json()
    no = {"feasible": False, "cost": 90_000, "legal_check": "Listed building.", "reason": "Heritage rules forbid it."}
    client.post(f"/api/v1/rounds/{rid}/projects/p4/assessment", headers=official(), json=no)
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
    first = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident())
    assert first.status_code == 201 and first.get_json() == {
        "round_id": rid,
        "paper": False,
        "replaced": 0,
        "receipt": first.get_json()["receipt"],
    }
    me = resident()
    client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=me)
    replaced = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p2", "p3"]}, headers=me)
    assert replaced.status_code == 200 and replaced.get_json()["replaced"] == 1
    paper_voter, desk = str(uuid.uuid4()), uuid.uuid4()
    paper = client.post(
        f"/api/v1/rounds/{rid}/paper-ballots",
        headers=official(who=desk),
        json={"voter_id": paper_voter, "voter": VOTER, "projects": ["p2", "p3"]},
    )
    assert paper.status_code == 201 and paper.get_json()["paper"] is True
    with engine.connect() as conn:
        entered = conn.execute(sa.select(ballots.c.entered_by, ballots.c.entered_by_role).where(ballots.c.paper)).one()
    assert tuple(entered) == (desk, "case_officer")
    online_again = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident(paper_voter))
    assert online_again.status_code == 409
    closed = client.post(f"/api/v1/rounds/{rid}/close", headers=official())
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
    voters = client.get(f"/api/v1/rounds/{rid}/voters", headers=voters_reader())
    assert len(voters.get_json()["voters"]) == 3 and voters.get_json()["next"] is None
    first = client.get(f"/api/v1/rounds/{rid}/voters?limit=2", headers=voters_reader()).get_json()
    rest = client.get(f"/api/v1/rounds/{rid}/voters?limit=2&after={first['next']}", headers=voters_reader()).get_json()
    assert len(first["voters"]) == 2 and len(rest["voters"]) == 1 and rest["next"] is None
    assert sorted(first["voters"] + rest["voters"]) == sorted(voters.get_json()["voters"])
    other_scope = bearer("proposals", "service", sub="service:notifications", scope=["metrics:read"])
    for headers, status in [
        ({}, 401),
        (FORGED[4], 401),
        (resident(), 403),
        (official(), 403),
        (official("administrator"), 403),
        (other_scope, 403),
        (bearer("proposals", "service", sub="service:notifications"), 403),
    ]:
        assert client.get(f"/api/v1/rounds/{rid}/voters", headers=headers).status_code == status, headers
    tracked = client.post(
        f"/api/v1/rounds/{rid}/projects/p3/tracking",
        headers=official(),
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
        ({"projects": ["p1", "p2", "p3"]}, resident(), 422, "more than the city-wide budget"),
        ({"projects": ["p9"]}, resident(), 422, "unknown project"),
        ({"projects": ["p4"]}, resident(), 422, "unknown project"),  # not feasible: not on the ballot
        ({"projects": []}, resident(), 422, "names no project"),
        ({"points": {"p1": 3}}, resident(), 422, "list of projects"),
        ({"projects": ["p1"]}, resident(age=12), 403, "at least 16"),
        ({"projects": ["p1"]}, resident(municipality="brugge"), 403, "Only residents of gent"),
        ({"projects": ["p1"]}, resident(resident=False), 403, "Only residents of gent"),
        ({"projects": ["p1"]}, resident(age=None), 403, "does not say how old you are"),
        ({"projects": ["p1"]}, resident(municipality=None), 403, "whether you live in gent"),
        ({"projects": ["p1"]}, {}, 401, "log in"),
        ({"projects": ["p1"]}, official(), 403, "resident"),
        ({"projects": ["p1"]}, bearer("challenges", "resident"), 401, "refused"),  # a token for another service
        *[({"projects": ["p1"]}, forged, 401, "log in") for forged in FORGED],
        ({"voter": VOTER, "projects": ["p1"]}, resident(), 422, "voter"),  # facts from the login, not the body
        ({"voter": VOTER | {"age": 40}, "projects": ["p1"]}, resident(age=12), 422, "voter"),
        ({"voter_id": str(uuid.uuid4()), "projects": ["p1"]}, resident(), 422, "voter_id"),
    ]
    for body, headers, status, says in bad:
        response = client.put(f"/api/v1/rounds/{rid}/ballot", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
        assert response.content_type == "application/problem+json" and says in str(response.get_json()), says
    assert (
        client.put(f"/api/v1/rounds/{uuid.uuid4()}/ballot", json={"projects": ["p1"]}, headers=resident()).status_code
        == 404
    )
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
    after = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident())
    assert after.status_code == 409 and "voting is open" in after.get_json()["detail"]
    assert stored(engine) == []


def test_200_concurrent_ballots_of_one_resident_leave_exactly_one_counted_ballot(case):
    client, engine, _uow = case
    rid = voting_round(client)
    me_id = uuid.uuid4()
    me = resident(me_id)
    choices = [["p1"], ["p2"], ["p3"], ["p2", "p3"]]

    def vote(i):
        return client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": choices[i % 4]}, headers=me).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(vote, range(200)))
    assert set(codes) <= {200, 201} and codes.count(201) == 1
    [(voter, projects, paper)] = stored(engine)
    assert voter == me_id and projects in choices and paper is False


def test_cumulative_and_ranking_forms_are_checked_and_counted(case):
    client, _engine, uow = case
    rid = voting_round(client, form={"kind": "cumulative", "points": 5}, rule="equalshares")
    ok = client.put(f"/api/v1/rounds/{rid}/ballot", json={"points": {"p1": 3, "p3": 2}}, headers=resident())
    too_many = client.put(f"/api/v1/rounds/{rid}/ballot", json={"points": {"p1": 3, "p3": 3}}, headers=resident())
    assert (ok.status_code, too_many.status_code) == (201, 422)
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
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
        response = client.post("/api/v1/rounds", json=body | change, headers=official())
        assert response.status_code == status, (change, response.get_json())


def test_a_round_closed_by_another_process_refuses_ballots_checked_against_a_stale_copy(case):
    client, engine, _uow = case
    rid = voting_round(client)
    first = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident())
    assert first.status_code == 201  # this process now holds the round as open for voting
    with engine.begin() as conn:  # another API process closes it
        from proposals.adapters.tables import rounds

        conn.execute(rounds.update().values(phase="closed", version=rounds.c.version + 1))
    late = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident())
    assert late.status_code == 409 and "closed phase" in late.get_json()["detail"]
    assert len(stored(engine)) == 1


def test_the_closed_round_is_published_in_the_pabulib_format_and_recomputes_to_the_same_result(case):
    from proposals.domain.budgeting import pabulib, tally

    client, _engine, uow = case
    rid = voting_round(client, rule="equalshares/add1")
    for choice in (["p1"], ["p1"], ["p2", "p3"], ["p2", "p3"], ["p3"]):
        client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": choice}, headers=resident())
    early = client.get(f"/api/v1/rounds/{rid}/pabulib")
    assert early.status_code == 409 and early.content_type == "application/problem+json"
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
    published = budgets.tally_round(uow(), uuid.UUID(rid)).results
    response = client.get(f"/api/v1/rounds/{rid}/pabulib")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    election = pabulib.parse(response.get_data(as_text=True))
    assert len(election.ballots) == 5 and election.meta["rule"] == "equalshares/add1"
    assert {p.id for p in election.projects.values() if p.selected} == set(published.selected)
    assert tally(election).selected_set == set(published.selected)


def test_25_ballots_under_fresh_random_ids_by_one_person_leave_one_ballot_and_cannot_flip_the_result(case):
    """Issue 12: 25 ballots under fresh UUIDs once flipped a result. Now the voter is the token's subject:
    whatever ids or facts the body invents, one person's ballots are one ballot."""
    client, engine, uow = case
    rid = voting_round(client)
    for choice in (["p1"], ["p1"]):  # two residents want the benches
        assert (
            client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": choice}, headers=resident()).status_code == 201
        )
    me = uuid.uuid4()
    invented = [
        {"voter_id": str(uuid.uuid4()), "projects": ["p3"]},
        {"voter": {"age": 40, "resident": True, "district": None}, "projects": ["p3"]},
        {"voter_id": str(uuid.uuid4()), "voter": VOTER, "projects": ["p3"]},
        {"actor": str(uuid.uuid4()), "projects": ["p3"]},
    ]
    refused = [
        client.put(f"/api/v1/rounds/{rid}/ballot", json=body, headers=resident(me)).status_code for body in invented * 3
    ]
    assert refused == [422] * 12, "random ids and facts in the body are refused"
    forged = {"X-Meemaken-Actor": str(uuid.uuid4()), "X-Meemaken-Role": "resident"}
    accepted = [
        client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p3"]}, headers=resident(me) | forged).status_code
        for _ in range(13)
    ]
    assert accepted == [201] + [200] * 12
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(ballots.c.voter_id == me)).scalar_one() == 1
    assert len(stored(engine)) == 3
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
    results = budgets.tally_round(uow(), uuid.UUID(rid)).results
    assert results.voters == 3 and "p1" in results.selected  # 2 votes for p1 still beat 1 for p3


def test_a_fact_the_login_lacks_sends_the_resident_to_the_desk_where_an_official_enters_a_paper_ballot(case):
    client, engine, _uow = case
    rid = voting_round(client, eligibility={"min_age": 16, "districts": ["Noord"]})
    assert client.get(f"/api/v1/rounds/{rid}").get_json()["eligibility"]["unverified"] == "desk"
    me = uuid.uuid4()
    online = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident(me, age=None))
    assert online.status_code == 403 and online.content_type == "application/problem+json"
    detail = online.get_json()["detail"]
    assert "does not say how old you are" in detail and "desk" in detail and "paper" in detail
    no_district = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident(district=None))
    assert no_district.status_code == 403 and "which district" in no_district.get_json()["detail"]
    other = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident(district="Zuid"))
    assert other.status_code == 403 and "residents of Noord" in other.get_json()["detail"]
    assert stored(engine) == []

    desk = uuid.uuid4()
    paper = f"/api/v1/rounds/{rid}/paper-ballots"
    body = {"voter_id": str(me), "voter": VOTER | {"age": 70}, "projects": ["p1"]}
    assert client.post(paper, json=body | {"voter": VOTER | {"age": 12}}, headers=official(who=desk)).status_code == 403
    assert client.post(paper, json=body | {"voter": VOTER | {"district": None}}, headers=official()).status_code == 422
    assert client.post(paper, json=body, headers=resident()).status_code == 403
    assert client.post(paper, json=body, headers=official("assessor")).status_code == 403
    assert client.post(paper, json=body, headers=official("case_officer", "process:another")).status_code == 403
    own = client.post(paper, json=body | {"voter_id": str(desk)}, headers=official(who=desk))
    assert own.status_code == 403 and "own paper ballot" in own.get_json()["detail"]
    assert stored(engine) == []
    assert (
        client.post(paper, json=body, headers=official("case_officer", "process:budget-2027", who=desk)).status_code
        == 201
    )
    with engine.connect() as conn:
        row = conn.execute(sa.select(ballots)).one()
    assert (row.voter_id, row.paper, row.entered_by, row.entered_by_role) == (me, True, desk, "case_officer")


def test_a_round_may_refuse_outright_whom_the_login_does_not_verify(case):
    client, engine, _uow = case
    rid = voting_round(client, eligibility={"unverified": "refuse"})
    refused = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": ["p1"]}, headers=resident(resident=None))
    assert refused.status_code == 403
    assert "whether you live in gent" in refused.get_json()["detail"] and "desk" not in refused.get_json()["detail"]
    assert stored(engine) == []
    bad = {"process_id": "budget-2027", "title": "x", "budget": 100, "form": {"kind": "approval"}}
    unknown_rule = client.post(
        "/api/v1/rounds", json=bad | {"eligibility": {"unverified": "guess"}}, headers=official()
    )
    assert unknown_rule.status_code == 422


def test_a_round_is_run_by_case_officers_of_its_process_and_each_step_names_the_official(case):
    client, engine, _uow = case
    officer = uuid.uuid4()
    process = {"id": "budget-2027", "municipality": "gent", "title": "Citizen budget", "kind": "budget_round"}
    phases = [PHASE | {"rung_promised": "meebeslissen"}]
    mine = official("case_officer", "process:budget-2027", who=officer)
    elsewhere = official("case_officer", "process:another")
    assert client.post("/api/v1/processes", json=process | {"phases": phases}, headers=elsewhere).status_code == 403
    assert client.post("/api/v1/processes", json=process | {"phases": phases}, headers=mine).status_code == 201
    body = {"process_id": "budget-2027", "title": "Citizen budget", "budget": 100_000, "form": {"kind": "approval"}}
    assert client.post("/api/v1/rounds", json=body, headers=elsewhere).status_code == 403
    rid = client.post("/api/v1/rounds", json=body, headers=mine).get_json()["id"]
    idea = {"title": "Benches", "cost": 60_000}
    assert client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=official("assessor")).status_code == 403
    assert client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=resident()).status_code == 201
    assert (
        client.post(f"/api/v1/rounds/{rid}/projects", json=idea | {"title": "Trees"}, headers=mine).status_code == 201
    )
    for headers, status in [(resident(), 403), (official("decision_body"), 403), (elsewhere, 403), (mine, 200)]:
        assert client.post(f"/api/v1/rounds/{rid}/feasibility", headers=headers).status_code == status
    assessment = {"feasible": True, "cost": 50_000, "legal_check": "Public land."}
    for pid in ("p1", "p2"):
        assert (
            client.post(
                f"/api/v1/rounds/{rid}/projects/{pid}/assessment", json=assessment, headers=elsewhere
            ).status_code
            == 403
        )
        assert (
            client.post(f"/api/v1/rounds/{rid}/projects/{pid}/assessment", json=assessment, headers=mine).status_code
            == 200
        )
    assert client.post(f"/api/v1/rounds/{rid}/voting", json={}, headers=mine).status_code == 200
    assert client.post(f"/api/v1/rounds/{rid}/close", headers=elsewhere).status_code == 403
    assert client.post(f"/api/v1/rounds/{rid}/close", headers=mine).status_code == 200

    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.type, outbox.c.envelope).order_by(outbox.c.id)).all()
    actors = [(t.split(".")[-2], json.loads(e)["data"].get("actor")) for t, e in rows]
    me = {"id": str(officer), "role": "case_officer"}
    assert actors == [
        ("defined", me),
        ("opened", me),
        ("project_added", None),  # a resident's idea names no one
        ("project_added", me),
        ("feasibility_started", me),
        ("project_assessed", me),
        ("project_assessed", me),
        ("voting_opened", me),
        ("closed", me),
    ]


def vote(client, rid, *choices):
    for choice in choices:
        cast = client.put(f"/api/v1/rounds/{rid}/ballot", json={"projects": choice}, headers=resident())
        assert cast.status_code == 201, cast.get_json()


def test_a_greedy_custom_round_tops_up_the_first_project_that_does_not_fit_and_publishes_its_parameters(case):
    from proposals.domain.budgeting.check import check
    from proposals.domain.budgeting.pabulib import parse
    from proposals.pb_sweep import choice_for

    client, engine, uow = case
    params = {"top_up": 0.8, "reserve": "city reserve"}
    rid = voting_round(client, rule="greedy-custom", rule_parameters=params, costs=(60_000, 50_000, 40_000))
    shown = client.get(f"/api/v1/rounds/{rid}").get_json()
    assert (shown["rule"], shown["rule_parameters"]) == ("greedy-custom", params)
    with engine.connect() as conn:
        opened = [json.loads(e)["data"] for t, e in conn.execute(sa.select(outbox.c.type, outbox.c.envelope))]
    assert [d["rule_parameters"] for d in opened if "ballot" in d] == [params]
    # votes p1 (60k) 3, p2 (50k) 2, p3 (40k) 1: p1 leaves 40k, which covers 80 % of p2: the reserve pays
    # the other 10k (pass 2); no skipping, so counting stops at p3.
    vote(client, rid, ["p1"], ["p1"], ["p1"], ["p2"], ["p2"], ["p3"])
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
    budgets.tally_round(uow(), uuid.UUID(rid))
    results = client.get(f"/api/v1/rounds/{rid}").get_json()["results"]
    assert results["selected"] == ["p1", "p2"] and results["spent"] == 110_000
    why = {e["project_id"]: (e["selected"], e["funded_in"], e["code"]) for e in results["explanation"]}
    assert why == {"p1": (True, 1, "funded"), "p2": (True, 2, "top_up"), "p3": (False, 0, "stopped")}
    [p2] = [e for e in results["explanation"] if e["project_id"] == "p2"]
    assert p2["detail"] == {"left": 40_000, "share": 0.8} and "city reserve paid 10,000" in p2["reason"]
    published = parse(client.get(f"/api/v1/rounds/{rid}/pabulib").get_data(as_text=True))
    assert json.loads(published.meta["rule_parameters"]) == params
    assert {p.id: p.selected for p in published.projects.values()} == {"p1": 1, "p2": 2, "p3": 0}
    verdict = check(published, choice_for(published.meta, None, None, {}), ["p3", "p1", "p2"])
    assert verdict.status == "reproduced", verdict


def test_an_exclusion_group_funds_only_the_higher_ranked_of_two_projects_that_cannot_be_built_together(case):
    client, _engine, uow = case
    rid = voting_round(client, rule="greedy-exclusive", rule_parameters={"exclusive": [["p2", "p3"]]})
    # votes p2 (50k) 2, p3 (40k) 2, p1 (50k) 1: p3 wins the tie (cheaper); p2 fits but is passed over; p1 fits.
    vote(client, rid, ["p2", "p3"], ["p2", "p3"], ["p1"])
    client.post(f"/api/v1/rounds/{rid}/close", headers=official())
    budgets.tally_round(uow(), uuid.UUID(rid))
    results = client.get(f"/api/v1/rounds/{rid}").get_json()["results"]
    assert results["selected"] == ["p3", "p1"]
    [p2] = [e for e in results["explanation"] if e["project_id"] == "p2"]
    assert (p2["code"], p2["detail"], p2["funded_in"]) == ("excluded_by", {"by": "p3"}, 0)


def test_an_unknown_or_ill_typed_rule_parameter_is_refused_naming_it_and_creates_nothing(case):
    client, engine, _uow = case
    voting_round(client)
    before = (client.get("/api/v1/rounds").get_json(), events(engine))
    body = {"process_id": "budget-2027", "title": "Again", "budget": 100_000, "form": {"kind": "approval"}}
    for change, says in [
        ({"rule": "greedy-custom", "rule_parameters": {"top_up": 0.8, "colour": "red"}}, "no parameter colour"),
        ({"rule": "greedy-custom", "rule_parameters": {"top_up": "most"}}, "top_up is a number, not 'most'"),
        ({"rule": "greedy", "rule_parameters": {"skip": "sometimes"}}, "skip is true or false"),
        ({"rule": "equalshares", "rule_parameters": {"exclusive": [["p1", "p2"]]}}, "no parameter exclusive"),
        ({"rule": "greedy", "rule_parameters": ["top_up", 0.8]}, "rule_parameters"),
        ({"rule": "greedy", "rule_parameters": {"top_up": 0.8}, "jury_weight": 0.3}, "no rule parameters"),
    ]:
        response = client.post("/api/v1/rounds", json=body | change, headers=official())
        assert response.status_code == 422, (change, response.get_json())
        assert response.content_type == "application/problem+json" and says in str(response.get_json()), says
    assert (client.get("/api/v1/rounds").get_json(), events(engine)) == before


def test_projects_named_in_the_rule_parameters_are_checked_against_the_ballot_when_voting_opens(case):
    client, _engine, _uow = case
    rid = assessed_round(client, rule_parameters={"excluded": {"p4": "withdrawn"}, "exclusive": [["p1", "p9"]]})
    refused = client.post(f"/api/v1/rounds/{rid}/voting", json={"lot_order": ["p3", "p1", "p2"]}, headers=official())
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert "exclusive names p9, not on the ballot" in refused.get_json()["detail"]
    assert client.get(f"/api/v1/rounds/{rid}").get_json()["phase"] == "feasibility"
