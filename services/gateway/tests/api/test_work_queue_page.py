"""The work queue page, /desk/queue: officials only; filters as a GET form, sorting, pages, the count,
saved views per official; wrong input is a 400 page with an error summary that changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway_testing import ANNA, KAREL, csrf_token, login, rows

from gateway.casework import case_store
from gateway.casework.queue import change_for
from gateway.casework.store import apply
from gateway.casework.timeline import assignment_for, entry_for

NOW = datetime.now(UTC)


def seed(app, count_proposals: int = 30) -> dict[str, str]:
    """Proposals awaiting an answer (some overdue), a challenge in mobility with an assessor, a panel."""
    engine = app.extensions["gateway"].engine
    ids: dict[str, str] = {}
    with engine.begin() as conn:
        for n in range(count_proposals):
            pid = str(uuid.uuid4())
            due = NOW + timedelta(days=n - 2, hours=1)  # the first two are past their deadline
            data = {"proposal_id": pid, "process_id": "p", "title": f"Proposal {n:02d}", "supporters": 300}
            data |= {"threshold": 300, "answer_due_at": due.isoformat()}
            apply(conn, change_for("org.meemaken.proposals.proposal.threshold_reached.v1", data, NOW))
            ids.setdefault("first_proposal", pid)
        cid = ids["challenge"] = str(uuid.uuid4())
        base = {"challenge_id": cid, "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "nl"}
        base |= {"representative_id": str(uuid.uuid4()), "at": NOW.isoformat()}
        moved = {**base, "from_status": "admissibility_check", "to_status": "in_assessment", "details": {}}
        apply(conn, change_for("org.meemaken.challenges.challenge.assessment_opened.v1", moved, NOW))
        ids["panel"] = str(uuid.uuid4())
        set_up = {"panel_id": ids["panel"], "at": NOW.isoformat(), "details": {"theme": "Climate"}}
        apply(conn, change_for("org.meemaken.panels.panel.set_up.v1", set_up, NOW))
    return ids


def assign_to(app, client, case_id: str) -> None:
    official = rows(app.extensions["gateway"].engine, "sessions")[-1]["person_id"]
    data = {"challenge_id": case_id, "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "nl"}
    data |= {"representative_id": str(uuid.uuid4()), "at": NOW.isoformat(), "from_status": "in_assessment"}
    data |= {"to_status": "in_assessment", "details": {"assessor_id": official}}
    event = "org.meemaken.challenges.challenge.assessor_assigned.v1"
    entry = entry_for(str(uuid.uuid4()), event, data, NOW)
    with app.extensions["gateway"].engine.begin() as conn:
        case_store.assign(conn, assignment_for(entry, data))  # the case's assignment is the queue's assignee


def test_only_officials_see_the_queue(gateway_app):
    assert gateway_app.test_client().get("/desk/queue").headers["Location"].startswith("/login?next=/desk/queue")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get("/desk/queue").status_code == 403
    assert 'href="/desk/queue"' not in resident.get("/account").get_data(as_text=True)  # not in their menu
    refused = resident.post("/desk/queue/views", data={"csrf_token": csrf_token(resident), "name": "x"})
    assert refused.status_code == 403 and rows(gateway_app.extensions["gateway"].engine, "saved_views") == []


def test_the_default_view_lists_every_service_s_open_cases_by_deadline_with_the_count_and_pages(gateway_app):
    seed(gateway_app)
    official = gateway_app.test_client()
    login(official, KAREL)
    first = official.get("/desk/queue?lang=en")
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "<h1" in page and page.count("<h1") == 1
    assert '<a href="/desk/queue" aria-current="page">Work queue</a>' in page  # in an official's menu
    assert "32 open cases" in page and "Page 1 of 2" in page and 'rel="next" href="/desk/queue?page=2"' in page
    assert page.index("Proposal 00") < page.index("Proposal 01") < page.index("Proposal 05")  # soonest deadline first
    assert "Deadline passed" in page and "2 days late" in page and "Deadline near" in page
    assert "Score the assessment" not in page  # no deadline: after the dated ones, on page 2
    second = official.get("/desk/queue?page=2&lang=en").get_data(as_text=True)
    assert "Score the assessment" in second and "Import the pool and confirm the quotas" in second
    assert "Climate" in second and "mobility" in second and "<script" not in second


def test_filters_narrow_the_view_and_the_count(gateway_app):
    ids = seed(gateway_app)
    official = gateway_app.test_client()
    login(official, KAREL)
    page = official.get("/desk/queue?service=challenges&lang=en").get_data(as_text=True)
    assert "1 open case" in page and "Score the assessment" in page and "Proposal 00" not in page
    page = official.get("/desk/queue?overdue=1&lang=en").get_data(as_text=True)
    assert "2 open cases" in page and "Proposal 00" in page and "Proposal 02" not in page
    page = official.get("/desk/queue?department=mobility&lang=en").get_data(as_text=True)
    assert "1 open case" in page and '<option selected value="mobility">' in page
    assert "0 open cases" in official.get("/desk/queue?assignee=me&lang=en").get_data(as_text=True)
    assign_to(gateway_app, official, ids["challenge"])
    mine = official.get("/desk/queue?assignee=me&lang=en").get_data(as_text=True)
    assert "1 open case" in mine and "You" in mine
    page = official.get("/desk/queue?sort=title&service=proposals&lang=en").get_data(as_text=True)
    assert page.index("Proposal 00") < page.index("Proposal 10")
    assert "Proposal 00" in official.get("/desk/queue?state=threshold_reached&lang=en").get_data(as_text=True)


def test_a_wrong_filter_is_a_400_page_that_says_what_is_wrong(gateway_app):
    seed(gateway_app, 3)
    official = gateway_app.test_client()
    login(official, KAREL)
    wrong = official.get("/desk/queue?service=mail&sort=random&page=0&district=%3Cscript%3E&lang=en")
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and 'class="error-summary"' in page and "<title>Error:" in page
    assert "Choose a service from the list." in page and 'href="#service"' in page
    assert "There is no such page" in page and "<script>" not in page
    assert "5 open cases" in page  # the rest of the view still shows


def test_an_official_saves_a_view_sees_its_count_and_deletes_it_and_no_one_else_sees_it(gateway_app):
    seed(gateway_app, 3)
    official = gateway_app.test_client()
    login(official, KAREL)
    token = csrf_token(official)
    saved = official.post(
        "/desk/queue/views?lang=en", data={"csrf_token": token, "name": "Overdue", "query": "overdue=1&page=3"}
    )
    assert saved.status_code == 303 and saved.headers["Location"] == "/desk/queue?overdue=1"
    page = official.get(saved.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "Your view was saved." in page and 'href="/desk/queue?overdue=1">Overdue</a>' in page
    assert "2 cases" in page  # the saved view's own count
    (row,) = rows(official.application.extensions["gateway"].engine, "saved_views")
    assert row["query"] == "overdue=1"
    again = official.post("/desk/queue/views", data={"csrf_token": token, "name": "Overdue", "query": "sort=oldest"})
    assert again.status_code == 303
    assert [r["query"] for r in rows(gateway_app.extensions["gateway"].engine, "saved_views")] == ["sort=oldest"]

    empty = official.post("/desk/queue/views?lang=en", data={"csrf_token": token, "name": "", "query": ""})
    assert empty.status_code == 400 and "Give the view a name." in empty.get_data(as_text=True)
    bad = official.post("/desk/queue/views?lang=en", data={"csrf_token": token, "name": "x", "query": "sort=evil"})
    assert bad.status_code == 400 and len(rows(gateway_app.extensions["gateway"].engine, "saved_views")) == 1
    no_token = official.post("/desk/queue/views", data={"name": "y", "query": ""})
    assert no_token.status_code == 400 and len(rows(gateway_app.extensions["gateway"].engine, "saved_views")) == 1

    other = gateway_app.test_client()
    login(other, ANNA)
    forged = other.post(f"/desk/queue/views/{row['id']}/delete", data={"csrf_token": csrf_token(other)})
    assert forged.status_code == 403 and len(rows(gateway_app.extensions["gateway"].engine, "saved_views")) == 1
    gone = official.post(f"/desk/queue/views/{row['id']}/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and rows(gateway_app.extensions["gateway"].engine, "saved_views") == []


def test_the_queue_speaks_dutch_by_default_and_french(gateway_app):
    seed(gateway_app, 2)
    official = gateway_app.test_client()
    login(official, KAREL)
    dutch = official.get("/desk/queue?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Werkvoorraad" in dutch and "4 open zaken" in dutch
    french = official.get("/desk/queue?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in french and "File de travail" in french and "4 dossiers ouverts" in french
