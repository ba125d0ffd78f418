"""The officials' case page, /desk/cases/<service>/<case id>: the history built from the events the
queue's consumer handles (who in which role, when, with reasons), internal notes, assignment with a
reason as the queue's assignee, and the next actions of the official's role. Officials only; wrong input
is a 400 page with an error summary that stores nothing."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gateway_testing import ANNA, INES, KAREL, csrf_token, login, rows

from gateway.casework.consumer import subscriptions
from meemaken_events import EventFactory

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # the events happened before the page
CHALLENGE = "org.meemaken.challenges.challenge."
FACTORY = EventFactory("urn:meemaken:municipality:demo:system:challenges")


def challenge_events(cid: str, officer: str, assessor: str, representative: str) -> list:
    """A challenge from submission to its first score, as the challenges service tells it."""
    base = {"challenge_id": cid, "task_id": str(uuid.uuid4()), "department": "mobility", "profile": "flanders"}
    base |= {"representative_id": representative}
    due = (NOW + timedelta(days=14)).isoformat()
    steps = [
        ("submitted", "draft", "submitted", {}, (representative, "group_representative")),
        ("acknowledged", "submitted", "acknowledged", {}, (officer, "case_officer")),
        (
            "information_requested",
            "acknowledged",
            "information_requested",
            {"reason": "The budget of the plan is missing.", "due_at": due, "repair": False},
            (officer, "case_officer"),
        ),
        ("information_supplied", "information_requested", "acknowledged", {}, (representative, "group_representative")),
        ("assessment_opened", "acknowledged", "in_assessment", {"department": "mobility"}, (officer, "case_officer")),
        ("assessor_assigned", "in_assessment", "in_assessment", {"assessor_id": assessor}, (officer, "case_officer")),
        ("scored", "in_assessment", "in_assessment", {"criterion": "feasibility"}, (assessor, "assessor")),
    ]
    found = []
    for n, (name, before, after, details, (actor, role)) in enumerate(steps):
        data = {**base, "from_status": before, "to_status": after, "at": (NOW + timedelta(minutes=n)).isoformat()}
        data |= {"details": details, "actor": {"id": actor, "role": role}}
        envelope = FACTORY.create(f"{CHALLENGE}{name}.v1", cid, data)
        found.append(replace(envelope, time=NOW + timedelta(minutes=n)))
    return found


def feed(app, envelopes) -> None:
    """Each event through the handler the queue's consumer runs for it, in its own transaction."""
    handlers = {t: h for _topics, hs in subscriptions().values() for t, h in hs.items()}
    with app.extensions["gateway"].engine.begin() as conn:
        for envelope in envelopes:
            handlers[envelope.type](conn, envelope)


def official_id(app) -> str:
    return str(rows(app.extensions["gateway"].engine, "sessions")[-1]["person_id"])


def test_only_officials_open_a_case(gateway_app):
    cid = str(uuid.uuid4())
    feed(gateway_app, challenge_events(cid, str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())))
    path = f"/desk/cases/challenges/{cid}"
    assert gateway_app.test_client().get(path).headers["Location"].startswith("/login?next=/desk/cases/")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get(path).status_code == 403
    token = csrf_token(resident)
    assert resident.post(path + "/notes", data={"csrf_token": token, "text": "x"}).status_code == 403
    refused = resident.post(path + "/assignment", data={"csrf_token": token, "to": "me", "reason": "x"})
    assert refused.status_code == 403
    engine = gateway_app.extensions["gateway"].engine
    assert rows(engine, "case_notes") == []
    assert [a["assigned_by_role"] for a in rows(engine, "case_assignments")] == ["case_officer"]  # the service's


def test_the_case_page_tells_the_whole_history_from_the_events_with_who_when_and_why(gateway_app):
    official = gateway_app.test_client()
    login(official, KAREL)
    me, assessor, representative, cid = official_id(gateway_app), *(str(uuid.uuid4()) for _ in range(3))
    feed(gateway_app, challenge_events(cid, me, assessor, representative))
    queue = official.get("/desk/queue?lang=en").get_data(as_text=True)
    assert f'href="/desk/cases/challenges/{cid}"' in queue  # each row links to its case
    answer = official.get(f"/desk/cases/challenges/{cid}?lang=en")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and page.count("<h1") == 1 and "<script" not in page
    assert "Score the assessment" in page and "mobility" in page and "In assessment" in page
    history = page.split('id="history-title"', 1)[1].split('id="assign-title"', 1)[0]
    told = [
        "The group submitted the challenge",
        "Receipt was acknowledged",
        "Information was requested from the group; the clock is paused",
        "The group sent the information",
        "The assessment started",
        "An assessor was assigned",
        "A criterion was scored",
    ]
    assert [history.index(line) for line in told] == sorted(history.index(line) for line in told)  # by time
    assert "The budget of the plan is missing." in history and "Reason" in history and "feasibility" in history
    assert "By: group representative</p>" in history and representative not in page  # a resident: the role only
    assert "case officer · you" in history and f'assessor · <span class="muted">{assessor[:8]}' in history
    assert "Assigned to</dt>\n    <dd>A colleague" in page  # the assessor the service assigned


def test_next_actions_are_those_of_the_official_s_role_and_link_only_to_pages_that_exist(gateway_app):
    officer = gateway_app.test_client()
    login(officer, KAREL)
    cid = str(uuid.uuid4())
    feed(gateway_app, challenge_events(cid, official_id(gateway_app), str(uuid.uuid4()), str(uuid.uuid4())))
    page = officer.get(f"/desk/cases/challenges/{cid}?lang=en").get_data(as_text=True)
    actions = page.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    assert "Propose a decision" in actions and "Assign an assessor" in actions
    assert "Score a criterion" not in actions  # the assessor's
    links = re.findall(r'<a [^>]*href="([^"]+)"', actions)
    assert links, "the challenge actions link to their pages"
    routes = gateway_app.url_map.bind("localhost")
    for href in links:  # no dead links: each is a page the gateway serves
        endpoint, _ = routes.match(href.split("?", 1)[0].split("#", 1)[0])
        assert endpoint != "static", href
    council = gateway_app.test_client()
    login(council, INES)
    page = council.get(f"/desk/cases/challenges/{cid}?lang=en").get_data(as_text=True)
    actions = page.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    assert "Propose a decision" in actions and "Assign an assessor" not in actions  # the service's roles


def test_notes_are_kept_per_case_newest_first_with_their_author_s_role_and_never_leave_the_gateway(gateway_app):
    official = gateway_app.test_client()
    login(official, KAREL)
    cid = str(uuid.uuid4())
    feed(gateway_app, challenge_events(cid, str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())))
    path, token = f"/desk/cases/challenges/{cid}", csrf_token(official)
    engine = gateway_app.extensions["gateway"].engine
    empty = official.post(path + "/notes?lang=en", data={"csrf_token": token, "text": "  "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 400 and 'class="error-summary"' in page and 'href="#text"' in page
    assert "Write the note." in page and "<title>Error:" in page
    long = official.post(path + "/notes?lang=en", data={"csrf_token": token, "text": "x" * 4001})
    assert long.status_code == 400 and "Use at most 4000 characters." in long.get_data(as_text=True)
    assert official.post(path + "/notes", data={"text": "no token"}).status_code == 400
    unknown = official.post("/desk/cases/challenges/nothing-here/notes", data={"csrf_token": token, "text": "x"})
    assert unknown.status_code == 404
    assert rows(engine, "case_notes") == []

    first = official.post(path + "/notes", data={"csrf_token": token, "text": "Called the group's contact."})
    assert first.status_code == 303 and first.headers["Location"].endswith(f"{path}#notes-title")
    official.post(path + "/notes", data={"csrf_token": token, "text": "Budget <b>checked</b>\nwith finance."})
    page = official.get(path + "?lang=en").get_data(as_text=True)
    assert "Your note was saved. Only officials can read it." in page
    notes = page.split('id="notes-title"', 1)[1]
    assert notes.index("Budget &lt;b&gt;checked&lt;/b&gt;") < notes.index("Called the group")  # newest first, escaped
    assert "case officer · you" in notes
    (one, two) = rows(engine, "case_notes")
    assert {one["author_id"], two["author_role"]} == {official_id(gateway_app), "case_officer"}
    assert not any("Called the group" in str(row) for row in rows(engine, "outbox"))  # never in an event


def test_assignment_with_a_reason_is_the_queue_s_assignee_and_is_told_in_the_history(gateway_app):
    colleague = gateway_app.test_client()
    login(colleague, INES)
    ines = official_id(gateway_app)
    resident = gateway_app.test_client()
    login(resident, ANNA)
    official = gateway_app.test_client()
    login(official, KAREL)
    me, cid = official_id(gateway_app), str(uuid.uuid4())
    engine = gateway_app.extensions["gateway"].engine
    reference = {r["person_id"]: r["reference"] for r in rows(engine, "people")}
    feed(gateway_app, challenge_events(cid, str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())))
    path, token = f"/desk/cases/challenges/{cid}", csrf_token(official)

    no_reason = official.post(path + "/assignment?lang=en", data={"csrf_token": token, "to": "me", "reason": ""})
    assert no_reason.status_code == 400 and "Say why the case goes to them." in no_reason.get_data(as_text=True)
    nobody = official.post(path + "/assignment?lang=en", data={"csrf_token": token, "to": "", "reason": "x"})
    assert nobody.status_code == 400 and 'href="#to"' in nobody.get_data(as_text=True)
    residents = [p for p in reference if p not in (me, ines)]
    not_official = official.post(
        path + "/assignment?lang=en",
        data={"csrf_token": token, "to": "colleague", "reference": reference[residents[0]], "reason": "x"},
    )
    assert not_official.status_code == 400
    assert "No official with this reference code has logged in." in not_official.get_data(as_text=True)
    assert len(rows(engine, "case_assignments")) == 1  # only the service's assessor

    mine = official.post(path + "/assignment", data={"csrf_token": token, "to": "me", "reason": "I know this task."})
    assert mine.status_code == 303
    assert "1 open case" in official.get("/desk/queue?assignee=me&lang=en").get_data(as_text=True)
    again = official.post(path + "/assignment?lang=en", data={"csrf_token": token, "to": "me", "reason": "again"})
    assert again.status_code == 400 and "already assigned" in again.get_data(as_text=True)

    moved = official.post(
        path + "/assignment",
        data={"csrf_token": token, "to": "colleague", "reference": reference[ines].lower(), "reason": "On leave."},
    )
    assert moved.status_code == 303
    page = official.get(path + "?lang=en").get_data(as_text=True)
    assert "The case is now assigned to your colleague." in page
    history = page.split('id="history-title"', 1)[1].split('id="assign-title"', 1)[0]
    assert history.index("Assigned to you") < history.index("Assigned to a colleague")
    assert "I know this task." in history and "On leave." in history
    assert "0 open cases" in official.get("/desk/queue?assignee=me&lang=en").get_data(as_text=True)
    item = next(r for r in rows(engine, "work_items") if r["case_id"] == cid)
    assert item["assignee"] == ines  # the latest assignment is the queue's assignee


def test_a_case_nobody_told_the_gateway_about_is_a_404_page_and_the_page_speaks_dutch_and_french(gateway_app):
    official = gateway_app.test_client()
    login(official, KAREL)
    assert official.get(f"/desk/cases/challenges/{uuid.uuid4()}").status_code == 404
    assert official.get("/desk/cases/mail/x").status_code == 404
    cid = str(uuid.uuid4())
    feed(gateway_app, challenge_events(cid, str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())))
    dutch = official.get(f"/desk/cases/challenges/{cid}").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Interne notities" in dutch and "Geschiedenis" in dutch
    french = official.get(f"/desk/cases/challenges/{cid}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in french and "Notes internes" in french and "Historique" in french


def test_a_proposal_s_answer_links_to_the_page_that_answers_it_and_a_closed_case_is_not_assigned(gateway_app):
    official = gateway_app.test_client()
    login(official, KAREL)
    pid, author = str(uuid.uuid4()), str(uuid.uuid4())
    factory = EventFactory("urn:meemaken:municipality:demo:system:proposals")
    data = {"proposal_id": pid, "process_id": "p", "title": "Safer school streets", "author_id": author}
    admitted = replace(factory.create("org.meemaken.proposals.proposal.admitted.v1", pid, data), time=NOW)
    feed(gateway_app, [admitted])
    page = official.get(f"/desk/cases/proposals/{pid}?lang=en").get_data(as_text=True)
    assert f'<a class="utrecht-link" href="/desk/proposals/{pid}">Answer the proposal</a>' in page
    assert "The proposal was admitted and is open for support" in page and author[:8] not in page

    reasons = {
        "position": "adopted",
        "reasons": "We will.",
        "late": False,
        "actor": {"id": str(uuid.uuid4()), "role": "case_officer"},
    }
    answered = factory.create("org.meemaken.proposals.proposal.answered.v1", pid, data | reasons)
    feed(gateway_app, [replace(answered, time=NOW + timedelta(minutes=1))])
    page = official.get(f"/desk/cases/proposals/{pid}?lang=en").get_data(as_text=True)
    assert "The case is closed: nothing is left to do." in page and "We will." in page and "Assign the case" not in page
    closed = official.post(
        f"/desk/cases/proposals/{pid}/assignment?lang=en",
        data={"csrf_token": csrf_token(official), "to": "me", "reason": "x"},
    )
    assert closed.status_code == 400 and "The case is closed" in closed.get_data(as_text=True)
    assert rows(gateway_app.extensions["gateway"].engine, "case_assignments") == []
