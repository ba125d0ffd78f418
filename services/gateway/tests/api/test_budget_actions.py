"""The officials' budget desk against the real proposals service: a round walked from its opening (with its
eligibility) through the feasibility review (many projects on one page, one by one, each with its own
Idempotency-Key), voting and its close, to the results explained per project; each step with validation
and a confirmation, the service's refusal in words, and only what the session's roles allow."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gateway_testing import ANNA, INES, KAREL, LOTTE, csrf_token, login, sent_twice
from portal_testing import phase

from meemaken_testkit.tokens import bearer

PROCESS = "mobility-2027"  # lotte is a case officer scoped to it; karel's scope is his department only
VOTER = {"age": 40, "municipality": "demo", "resident": True, "district": "centrum"}


@pytest.fixture()
def scene(make_gateway, provider, proposals_service):
    now = datetime.now(UTC)
    proposals_service.define(
        PROCESS,
        "Mobility budget 2027",
        "meebeslissen",
        kind="budget_round",
        support_threshold=None,
        phases=[phase("ideas", now - timedelta(days=5), now + timedelta(days=25), "meebeslissen")],
    )
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    return app, proposals_service


def text(response):
    return response.get_data(as_text=True)


def signed_in(app, who):
    client = app.test_client()
    login(client, who)
    return client


def hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def rounds(service):
    return service.client.get(f"/api/v1/rounds?process_id={PROCESS}").get_json()


def the_round(service, rid):
    return service.client.get(f"/api/v1/rounds/{rid}").get_json()


OPENING = {
    "process": PROCESS,
    "title": "Mobility budget 2027",
    "budget": "100.000",
    "districts_budgets": "centrum: 30.000",
    "themes_budgets": "",
    "form": "approval",
    "k": "",
    "points": "",
    "rule": "greedy",
    "min_age": "18",
    "residents_only": "yes",
    "districts": "centrum, noord",
    "unverified": "refuse",
}
IDEAS = [  # title, cost in cents, district
    ("Safe bicycle parking at the station", 4_000_000, None),
    ("A bus shelter on the market square", 1_000_000, "centrum"),
    ("Speed bumps near the schools", 2_000_000, "centrum"),
]


def stepped(token, confirmation):
    """A phase step's confirmation, with the key its page fixed."""
    return {"csrf_token": token, "step": "confirm", "key": hidden(confirmation, "key")}


def open_with_ideas(app, service):
    """Lotte opens the round on the desk; residents add their ideas in the service."""
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    check = text(official.post("/desk/budgets/new?lang=en", data={**OPENING, "csrf_token": token, "step": "check"}))
    done = official.post(
        "/desk/budgets/new", data={**OPENING, "csrf_token": token, "step": "confirm", "key": hidden(check, "key")}
    )
    rid = done.headers["Location"].rsplit("/", 1)[1]
    for title, cost, district in IDEAS:
        idea = {"title": title, "cost": cost, "district": district, "description": f"{title}, for everyone."}
        resident = bearer("proposals", "resident", attrs=VOTER)
        assert service.client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=resident).status_code == 201
    return official, token, rid


def test_only_officials_reach_the_desk_and_only_case_officers_get_its_forms(scene):
    app, service = scene
    assert app.test_client().get("/desk/budgets").headers["Location"].startswith("/login?next=/desk/budgets")
    resident = signed_in(app, ANNA)
    assert resident.get("/desk/budgets").status_code == 403
    assert resident.get("/desk/budgets/new").status_code == 403
    official, _, rid = open_with_ideas(app, service)
    page = text(official.get(f"/desk/budgets/{rid}?lang=en"))
    assert "Start the feasibility review" in page and "Open a new budget round" in text(official.get("/desk/budgets"))
    council = signed_in(app, INES)
    read = text(council.get(f"/desk/budgets/{rid}?lang=en"))
    assert "Safe bicycle parking" in read and "Start the feasibility review" not in read
    assert "A case officer takes these steps" in read
    assert council.get(f"/desk/budgets/{rid}/feasibility").status_code == 403
    assert council.get("/desk/budgets/new").status_code == 403
    refused = council.post(f"/desk/budgets/{rid}/review", data={"csrf_token": csrf_token(council)})
    assert refused.status_code == 403 and the_round(service, rid)["phase"] == "ideas"


def test_a_new_round_is_checked_confirmed_and_opened_with_its_eligibility(scene):
    app, service = scene
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    form = text(official.get("/desk/budgets/new?lang=en"))
    assert "Mobility budget 2027</option>" in form and 'name="min_age" value="16"' in form
    wrong = {**OPENING, "csrf_token": token, "step": "check", "budget": "a lot", "min_age": "-1", "form": "k_approval"}
    wrong |= {"districts_budgets": "centrum: 300.000", "process": "elsewhere"}
    refused = official.post("/desk/budgets/new?lang=en", data=wrong)
    page = text(refused)
    assert refused.status_code == 400 and "There is a problem" in page
    for field in ("process", "budget", "k", "min_age"):
        assert f'href="#{field}"' in page, field
    too_much = {**OPENING, "csrf_token": token, "step": "check", "districts_budgets": "centrum: 300.000"}
    assert "exceed the total budget" in text(official.post("/desk/budgets/new?lang=en", data=too_much))
    check = text(official.post("/desk/budgets/new?lang=en", data={**OPENING, "csrf_token": token, "step": "check"}))
    assert "Check before you confirm" in check and "At least 18 years old." in check
    assert "Only these districts: centrum, noord." in check and "cannot vote" in check
    assert rounds(service) == []  # nothing opened before the confirmation
    confirmed = {**OPENING, "csrf_token": token, "step": "confirm", "key": hidden(check, "key")}
    done = sent_twice(official, "/desk/budgets/new", confirmed)
    assert done.status_code == 303
    (opened,) = rounds(service)
    assert opened["budget"] == 10_000_000 and opened["district_budgets"] == {"centrum": 3_000_000}
    rules = opened["eligibility"]
    assert rules["min_age"] == 18 and rules["districts"] == ["centrum", "noord"] and rules["unverified"] == "refuse"
    assert rules["residents_only"] is True and opened["rule"] == "greedy"
    assert text(official.get(done.headers["Location"] + "?lang=en")).count("The round was opened.") == 1


def test_a_round_walks_from_its_ideas_to_results_explained_per_project(scene):
    app, service = scene
    official, token, rid = open_with_ideas(app, service)
    base = f"/desk/budgets/{rid}"
    confirm = text(official.get(f"{base}/feasibility?lang=en"))
    assert "The ideas phase ends with 3 project ideas." in confirm
    started = sent_twice(official, f"{base}/feasibility", stepped(token, confirm))
    assert started.status_code == 303 and the_round(service, rid)["phase"] == "feasibility"
    assert text(official.get(f"{base}?lang=en")).count("The feasibility review started.") == 1
    late = official.post(
        f"{base}/feasibility?lang=en", data={"csrf_token": token, "step": "confirm", "key": str(uuid.uuid4())}
    )
    assert late.status_code == 409 and "This step is not possible now" in text(late)
    assert "3 projects still need their review." in text(official.get(f"{base}/voting?lang=en"))

    review = text(official.get(f"{base}/review?lang=en"))
    assert review.count('name="project"') == 3 and 'name="p1-cost" value="40000"' in review
    two = {"csrf_token": token, "project": ["p1", "p2", "p3"], "step": "check"}
    two |= {"p1-verdict": "feasible", "p1-cost": "35.000", "p1-legal_check": "Municipal land; no permit needed."}
    two |= {"p2-verdict": "not_feasible", "p2-cost": "10000", "p2-legal_check": "The square is protected."}
    two |= {"p3-verdict": "later", "p3-cost": "20000"}
    wrong = official.post(f"{base}/review?lang=en", data=two)
    assert wrong.status_code == 400 and 'href="#p2-reason"' in text(wrong) and "the residents read this" in text(wrong)
    two["p2-reason"] = "The market square is a protected monument; no shelter may be built on it."
    check = text(official.post(f"{base}/review?lang=en", data=two))
    assert "2 reviews will be recorded" in check and "€35,000" in check and "Speed bumps" not in check
    assert the_round(service, rid)["projects"][0]["feasibility"] == "pending"  # nothing before the confirmation
    confirmed = {**two, "step": "confirm", "batch": hidden(check, "batch")}
    done = text(official.post(f"{base}/review?lang=en", data=confirmed))
    assert "2 reviews were recorded." in done and "Next project to review: Speed bumps near the schools" in done
    assert "2 reviews were recorded." in text(official.post(f"{base}/review?lang=en", data=confirmed))  # once
    p1, p2, p3 = the_round(service, rid)["projects"]
    assert p1["feasibility"] == "feasible" and p1["cost"] == 3_500_000 and p2["feasibility"] == "not_feasible"
    assert p2["reason"].startswith("The market square") and p3["feasibility"] == "pending"

    one = text(official.get(f"{base}/p3?lang=en"))
    assert "Review: Speed bumps near the schools" in one and one.count('name="project"') == 1
    over = {"csrf_token": token, "project": "p3", "p3-verdict": "feasible", "p3-cost": "31.000", "step": "check"}
    over["p3-legal_check"] = "Road authority agrees."
    assert "more than its part of the budget" in text(official.post(f"{base}/review?lang=en", data=over))
    check = text(official.post(f"{base}/review?lang=en", data={**over, "p3-cost": "20000"}))
    done = text(
        official.post(
            f"{base}/review?lang=en",
            data={**over, "p3-cost": "20000", "step": "confirm", "batch": hidden(check, "batch")},
        )
    )
    assert "1 review was recorded." in done and "Every project has been reviewed." in done

    voting = text(official.get(f"{base}/voting?lang=en"))
    assert "2 feasible projects go on the ballot" in voting
    assert sent_twice(official, f"{base}/voting", stepped(token, voting)).status_code == 303
    assert the_round(service, rid)["phase"] == "voting"
    for ballot in (["p1"], ["p1", "p3"], ["p3"]):
        cast = service.client.put(
            f"/api/v1/rounds/{rid}/ballot",
            json={"projects": ballot},
            headers=bearer("proposals", "resident", attrs=VOTER),
        )
        assert cast.status_code == 201, cast.get_json()

    close = text(official.get(f"{base}/close?lang=en"))
    assert "The count starts at once with the rule" in close and "Most votes first" in close
    assert sent_twice(official, f"{base}/close", stepped(token, close)).status_code == 303
    assert "The votes are being counted" in text(official.get(f"{base}/results?lang=en"))
    from proposals.service_layer import budgets

    budgets.tally_round(service.uow(), uuid.UUID(rid))  # what the tally consumer does on the closed event
    results = text(signed_in(app, INES).get(f"{base}/results?lang=en"))  # the decision body reads them too
    assert "<dt>Voters</dt><dd>3</dd>" in results
    assert "2 projects are funded" in results and results.count("Funded:") == 2
    assert "Safe bicycle parking at the station" in results and "Speed bumps near the schools" in results
    assert "The market square" not in results  # not on the ballot: not in the count


def test_the_services_refusal_is_said_in_words_and_changes_nothing(scene):
    app, service = scene
    _, _, rid = open_with_ideas(app, service)
    karel = signed_in(app, KAREL)  # a case officer of the mobility department, not of this process
    confirm = text(karel.get(f"/desk/budgets/{rid}/feasibility?lang=en"))
    refused = karel.post(
        f"/desk/budgets/{rid}/feasibility?lang=en",
        data=stepped(csrf_token(karel), confirm),
    )
    page = text(refused)
    assert refused.status_code == 409 and "Nothing was changed. You may not do this for this budget round." in page
    assert f"not for process:{PROCESS}" in page  # the service's own reason
    assert the_round(service, rid)["phase"] == "ideas"


def test_the_case_page_and_the_queue_lead_to_the_budget_pages(scene):
    from gateway.casework.queue import change_for
    from gateway.casework.store import apply

    app, service = scene
    official, _, rid = open_with_ideas(app, service)
    now = datetime.now(UTC)
    ids = {"round_id": rid, "process_id": PROCESS}
    with app.extensions["gateway"].engine.begin() as conn:
        apply(conn, change_for("org.meemaken.proposals.round.opened.v1", ids, now))
        idea = {**ids, "project_id": "p2", "title": "A bus shelter on the market square", "district": "centrum"}
        apply(conn, change_for("org.meemaken.proposals.round.project_added.v1", idea, now))
    queue = text(official.get("/desk/queue?lang=en"))
    assert f'href="/desk/budgets/{rid}">The budget round\'s steps' in queue
    assert f'href="/desk/budgets/{rid}/p2">The project\'s review' in queue
    case = text(official.get(f"/desk/cases/proposals/{rid}?lang=en"))
    assert f'href="/desk/budgets/{rid}/feasibility"' in case
    project = text(official.get(f"/desk/cases/proposals/{rid}/p2?lang=en"))
    assert f'href="/desk/budgets/{rid}/p2"' in project
    assert "Review: A bus shelter on the market square" in text(official.get(f"/desk/budgets/{rid}/p2?lang=en"))


def test_a_case_officer_adds_an_idea_handed_in_on_paper(scene):
    app, service = scene
    official, token, rid = open_with_ideas(app, service)
    url = f"/desk/budgets/{rid}/ideas?lang=en"
    form = text(official.get(url))
    assert '<option value="centrum"' in form and "City-wide projects</option>" in form
    wrong = official.post(url, data={"csrf_token": token, "title": "", "cost": "free", "part": "zuid", "step": "check"})
    assert wrong.status_code == 400
    for field in ("title", "cost", "part"):
        assert f'href="#{field}"' in text(wrong), field
    idea = {"csrf_token": token, "title": "Benches at the bus stops", "cost": "2.500", "part": "centrum"}
    idea["description"] = "Benches at the four bus stops of the centrum."
    check = text(official.post(url, data={**idea, "step": "check"}))
    assert "Check before you confirm" in check and "District: centrum" in check
    assert len(the_round(service, rid)["projects"]) == 3  # nothing before the confirmation
    done = sent_twice(official, url, {**idea, "step": "confirm", "key": hidden(check, "key")})
    assert done.status_code == 303 and len(the_round(service, rid)["projects"]) == 4  # sent twice, added once
    assert text(official.get(done.headers["Location"])).count("The project idea was added.") == 1
    added = the_round(service, rid)["projects"][-1]
    assert added["title"] == "Benches at the bus stops" and added["cost"] == 250_000 and added["district"] == "centrum"
    contact = {**idea, "description": "Call me at 0470 12 34 56", "step": "confirm", "key": str(uuid.uuid4())}
    refused = official.post(url, data=contact)  # the service refuses contact details in public text
    assert refused.status_code == 409 and "did not accept what you sent" in text(refused)
    assert len(the_round(service, rid)["projects"]) == 4
    assert signed_in(app, INES).get(url).status_code == 403


def test_a_funded_projects_progress_is_reported_after_the_results(scene):
    from budget_testing import close_and_count, officer

    app, service = scene
    official, token, rid = open_with_ideas(app, service)
    headers = officer()  # the steps before the results, straight in the service (walked on the desk above)
    assert service.client.post(f"/api/v1/rounds/{rid}/feasibility", headers=headers).status_code == 200
    for n, (_, cost, _district) in enumerate(IDEAS, 1):
        check = {"feasible": True, "cost": cost, "legal_check": "Fine."}
        assert (
            service.client.post(
                f"/api/v1/rounds/{rid}/projects/p{n}/assessment", json=check, headers=headers
            ).status_code
            == 200
        )
    assert service.client.post(f"/api/v1/rounds/{rid}/voting", json={}, headers=headers).status_code == 200
    ballot = {"projects": ["p2"]}
    voter = bearer("proposals", "resident", attrs=VOTER)
    assert service.client.put(f"/api/v1/rounds/{rid}/ballot", json=ballot, headers=voter).status_code == 201
    close_and_count(service, rid)
    results = text(official.get(f"/desk/budgets/{rid}/results?lang=en"))
    assert "nothing reported yet" in results and f"/desk/budgets/{rid}/p2/progress" in results
    assert f"/desk/budgets/{rid}/p1/progress" not in results  # not funded: nothing to track
    assert official.get(f"/desk/budgets/{rid}/p1/progress").status_code == 404
    url = f"/desk/budgets/{rid}/p2/progress?lang=en"
    wrong = official.post(url, data={"csrf_token": token, "stage": "soon", "note": "", "step": "check"})
    assert wrong.status_code == 400 and 'href="#stage"' in text(wrong) and 'href="#note"' in text(wrong)
    data = {"csrf_token": token, "stage": "in_progress", "note": "The shelter is ordered; it is placed in May."}
    check = text(official.post(url, data={**data, "step": "check"}))
    assert "Check before you confirm" in check and "In progress" in check
    done = sent_twice(official, url, {**data, "step": "confirm", "key": hidden(check, "key")})
    assert done.status_code == 303
    page = text(official.get(done.headers["Location"]))
    assert page.count("The project's progress was recorded.") == 1
    assert "In progress \u2013 The shelter is ordered" in page
    tracked = the_round(service, rid)["projects"][1]
    assert tracked["stage"] == "in_progress" and tracked["stage_note"].startswith("The shelter")
