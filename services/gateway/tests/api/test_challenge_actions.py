"""The officials' Right to Challenge actions against the real challenges service (PostgreSQL): one walk through
the main path (information request with the clock paused, the group's answer, an extension, an assessor
assigned by reference code, the scores, a text approved for the notice, the consolidation with the judged
gates, the decision with the preview of its public notice, the agreement, execution, review and renewal),
then the dialogue, a panel referral, an early end, a rejection, its objection and an out-of-scope declaration;
each with its validation, a confirmation step sent twice that acts once, and only what the session's roles
allow; the service's refusals in words."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from challenge_testing import ChallengesService, officer
from gateway_testing import ANNA, INES, LOTTE, OTTO, csrf_token, login, rows

from challenges.adapters.rulebook import criteria_sets


@pytest.fixture()
def scene(make_gateway, provider, database_url):
    with ChallengesService(database_url) as service:
        challenge, group = service.in_assessment(service.task("Bicycle parking at the station"))
        app = make_gateway(provider, CHALLENGES_BASE_URL=service.url)
        yield app, service, challenge, group


def text(response):
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def signed_in(app, who):
    client = app.test_client()
    login(client, who)
    return client, csrf_token(client)


def hidden(page, name):
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def act(client, token, challenge, code, **fields):
    """Fill in the action's form, check it, confirm it (twice); the check page's text."""
    url = f"/desk/challenges/{challenge}/{code}?lang=en"
    data = {"csrf_token": token, **fields, "step": "check"}
    check = client.post(url, data=data)
    assert check.status_code == 200, text(check)
    page = check.get_data(as_text=True)
    assert "Check before you confirm" in page
    confirmation = {**data, "step": "confirm", "batch": hidden(page, "batch")}
    for _sent in range(2):  # sent again (a double click, a retry after a time-out): the service acts once
        done = client.post(url, data=confirmation)
        assert done.status_code == 303, text(done)
        assert done.headers["Location"].endswith(f"/desk/challenges/{challenge}")
    return " ".join(html.unescape(page).split())


def test_the_main_path_from_an_information_request_to_the_renewal(scene):
    app, service, challenge, group = scene
    assessor, _ = signed_in(app, OTTO)  # logged in once: a case officer finds them by reference code
    officer, token = signed_in(app, LOTTE)
    council, council_token = signed_in(app, INES)

    # who may see what
    assert app.test_client().get(f"/desk/challenges/{challenge}").headers["Location"].startswith("/login?next=")
    resident, _ = signed_in(app, ANNA)
    assert resident.get(f"/desk/challenges/{challenge}").status_code == 403
    overview = text(officer.get(f"/desk/challenges/{challenge}?lang=en"))
    assert "Being assessed" in overview and "Fietswerking Station" in overview
    assert "Ask the group for information" in overview and "Assign an assessor" in overview
    assert "Take the decision" not in overview and "Score the criteria" not in overview
    assert officer.get(f"/desk/challenges/{challenge}/decision").status_code == 403  # the decision body's
    for code in ("information-request", "extension", "assessors", "modification", "notice-texts", "decision-proposal"):
        dutch = officer.get(f"/desk/challenges/{challenge}/{code}?lang=nl")
        assert dutch.status_code == 200 and '<html lang="nl">' in text(dutch), code
    closed = officer.get(f"/desk/challenges/{challenge}/agreement?lang=en")
    assert closed.status_code == 409 and "This is not possible now" in text(closed)

    # an information request: validated, names no one, the clock pauses visibly, sent once
    url = f"/desk/challenges/{challenge}/information-request?lang=en"
    form = text(officer.get(url))
    assert "The decision clock pauses" in form and "the group answers by" in form
    empty = officer.post(url, data={"csrf_token": token, "question": " ", "step": "check"})
    assert empty.status_code == 400 and "Write the question for the group." in text(empty)
    named = officer.post(url, data={"csrf_token": token, "question": "Ask Jan Peeters for the keys.", "step": "check"})
    assert named.status_code == 400 and "names no one. Found: a person's name" in text(named)
    question = "Which insurance covers the volunteers?"
    check = act(officer, token, challenge, "information-request", question=question)
    assert question in check
    paused = service.case(challenge)
    assert paused["status"] == "information_requested" and paused["decision_clock_paused"] is True
    again = officer.post(url, data={"csrf_token": token, "question": question, "step": "confirm", "batch": "x"})
    assert again.status_code == 409 and "This is not possible now" in text(again)
    page = text(officer.get(f"/desk/challenges/{challenge}?lang=en"))
    assert "Done: Ask the group for information." in page and "The clock is paused" in page
    assert "The group answers by" in page and question in page
    answer = {"answer": "The municipality's own policy covers them."}
    assert (
        service.client.post(f"/api/v1/challenges/{challenge}/information", json=answer, headers=group).status_code
        == 200
    )

    # the decision term extended once, with a reason
    wrong = officer.post(
        f"/desk/challenges/{challenge}/extension?lang=en",
        data={"csrf_token": token, "days": "a month", "reason": "", "step": "check"},
    )
    assert wrong.status_code == 400 and "Enter a number of days from 1 to 366." in text(wrong)
    act(officer, token, challenge, "extension", days="30", reason="The legal check takes a month.")
    assert [h["action"] for h in service.case(challenge)["history"]][-1] == "supply_information"

    # an assessor by their reference code, who scores each criterion
    unknown = officer.post(
        f"/desk/challenges/{challenge}/assessors?lang=en",
        data={"csrf_token": token, "reference": "AAAA-BBBB-CC", "step": "check"},
    )
    assert unknown.status_code == 400 and "No assessor with this reference code has logged in." in text(unknown)
    people = {r["person_id"]: r["reference"] for r in rows(app.extensions["gateway"].engine, "people")}
    otto = assessor_id(app)
    act(officer, token, challenge, "assessors", reference=people[otto])
    assert service.case(challenge)["assessment"]["assessors"] == [otto]
    criteria = [c.code for c in criteria_sets()["flemish-default"].criteria]
    assessor_token = csrf_token(assessor)
    form = text(assessor.get(f"/desk/challenges/{challenge}/scores?lang=en"))
    assert "Continuity and exit plan" in form and "Score from 0 to 4" in form
    scores = {f"value-{c}": "3" for c in criteria} | {f"motivation-{c}": f"Sound on {c}." for c in criteria}
    off_scale = assessor.post(
        f"/desk/challenges/{challenge}/scores?lang=en",
        data={"csrf_token": assessor_token, **scores, "value-cost": "9", "step": "check"},
    )
    assert off_scale.status_code == 400 and "Give a score from 0 to 4." in text(off_scale)
    act(assessor, assessor_token, challenge, "scores", **scores)
    assert len(service.case(challenge)["assessment"]["scores"]) == len(criteria)

    # a text for the notice, the consolidation with the judged gates
    approved = "The plan keeps the opening hours at a lower cost."
    act(officer, token, challenge, "notice-texts", part="decision", text=approved)
    gates = {f"passed-{g}": "yes" for g in ("legally_feasible", "no_harm", "not_frivolous")}
    gates |= {
        f"motivation-{g}": "Checked with the legal department."
        for g in ("legally_feasible", "no_harm", "not_frivolous")
    }
    act(officer, token, challenge, "decision-proposal", **gates)
    assert service.case(challenge)["status"] == "decision_pending"

    # the decision, with the preview of its public notice
    url = f"/desk/challenges/{challenge}/decision?lang=en"
    no_ground = council.post(
        url, data={"csrf_token": council_token, "outcome": "reject", "motivation": "No.", "step": "check"}
    )
    assert no_ground.status_code == 400 and "Choose at least one ground for a rejection." in text(no_ground)
    check = act(council, council_token, challenge, "decision", outcome="accept", motivation="A sound plan, agreed.")
    assert "Preview of the public notice" in check and approved in check
    assert "A sound plan, agreed." in check.split("Preview of the public notice")[0]  # the motivation: not in it
    decided = service.case(challenge)
    assert decided["status"] == "accepted" and approved in decided["decision"]["notice"]
    assert "A sound plan, agreed." not in decided["decision"]["notice"]

    # the agreement, execution, the review and its conclusion
    act(officer, token, challenge, "agreement")
    act(officer, token, challenge, "execution", summary="The group runs the parking from March; yearly report.")
    act(officer, token, challenge, "review")
    act(council, council_token, challenge, "review-conclusion", outcome="renew", motivation="The users are content.")
    assert service.case(challenge)["status"] == "renewed"
    steps = [h["action"] for h in service.case(challenge)["history"]]
    assert steps.count("request_information") == 1 and steps[-4:] == [
        "start_agreement",
        "start_execution",
        "start_review",
        "renew",
    ]


def assessor_id(app):
    """The pseudonymous id the gateway gave the assessor who logged in (their session's person)."""
    sessions = rows(app.extensions["gateway"].engine, "sessions")
    return next(str(s["person_id"]) for s in sessions if "assessor" in (s["roles"] or ()))


def history(service, challenge):
    """The case's steps, as the service has them now."""
    return [h["action"] for h in service.case(challenge)["history"]]


def audit_trail(service, challenge):
    """What was done on the case, as the service audits it (steps that change no state too)."""
    trail = service.client.get(f"/api/v1/challenges/{challenge}/audit", headers=officer())
    assert trail.status_code == 200, trail.get_json()
    return [entry["action"] for entry in trail.get_json()]


def test_the_case_page_links_each_challenge_action_to_a_page_the_gateway_serves(gateway_app):
    from gateway.casework.next_actions import ACTIONS

    adapter = gateway_app.url_map.bind("localhost")
    challenge = str(uuid.uuid4())
    links = [
        a.link(challenge) for kind, actions in ACTIONS.items() for a in actions if "/desk/challenges/" in (a.path or "")
    ]
    assert len(links) >= 15
    for link in links:
        assert adapter.match(link, method="GET")[0].startswith("challenge_actions."), link


def test_a_stale_version_and_a_refusal_are_said_in_words_and_change_nothing(scene):
    app, service, challenge, _ = scene
    officer, token = signed_in(app, LOTTE)
    url = f"/desk/challenges/{challenge}/modification?lang=en"
    data = {"csrf_token": token, "text": "Open on Sundays too.", "version": "1", "step": "check"}
    check = officer.post(url, data=data)
    assert "The group replies by" in text(officer.get(url))
    stale = officer.post(url, data={**data, "step": "confirm", "batch": hidden(check.get_data(as_text=True), "batch")})
    assert stale.status_code == 409 and "The case changed in the meantime" in text(stale)
    assert service.case(challenge)["status"] == "in_assessment" and service.case(challenge)["modification"] is None


def test_a_rejection_on_coded_grounds_its_objection_and_an_out_of_scope_declaration(scene):
    app, service, challenge, group = scene
    officer, _ = signed_in(app, LOTTE)
    council, council_token = signed_in(app, INES)
    service.act(challenge, "assessors", {"assessor_id": str(uuid.uuid4())})  # nobody scores: not complete
    form = text(officer.get(f"/desk/challenges/{challenge}/decision-proposal?lang=en"))
    assert "Assessor 1 has not scored: Cost compared with the current cost" in form
    service.act(challenge, "dialogue", {})
    service.propose(challenge, "Open on Sundays too.")
    reply = service.client.post(
        f"/api/v1/challenges/{challenge}/modification/decline", json={"reason": "No."}, headers=group
    )
    assert reply.status_code == 200 and service.case(challenge)["status"] == "decision_pending"

    check = act(
        council, council_token, challenge, "decision", outcome="reject", grounds=["harmful"], motivation="Too risky."
    )
    assert "Preview of the public notice" in check and "Schaadt bewoners, personeel of de gemeentefinanciën" in check
    assert service.case(challenge)["decision"]["outcome"] == "rejected"
    objected = service.client.post(
        f"/api/v1/challenges/{challenge}/objection", json={"reason": "We disagree."}, headers=group
    )
    assert objected.status_code == 200
    page = text(council.get(f"/desk/challenges/{challenge}?lang=en"))
    assert "Done: Take the decision." in page  # what was just done, once
    offered = page.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    assert "Decide on the objection" in offered and "Take the decision" not in offered
    act(council, council_token, challenge, "objection-decision", upheld="yes", motivation="The risk is covered.")
    assert service.case(challenge)["status"] == "decision_pending"

    other, _ = service.in_assessment(service.task("Cleaning the market square", department="mobility"))
    assert "Declare the challenge out of scope" not in text(council.get(f"/desk/challenges/{other}?lang=en"))
    closed = council.get(f"/desk/challenges/{other}/out-of-scope?lang=en")
    assert closed.status_code == 409  # in assessment already: out of scope is declared before it

    # before the gate check a case may be declared out of scope, on the rules' grounds, with a motivation
    challenge, _ = service.submitted(service.task("Running the swimming pool"))
    url = f"/desk/challenges/{challenge}/out-of-scope?lang=en"
    form = text(council.get(url))
    assert "Coded grounds (the rules' list)" in form and "Not legally feasible" in form
    wrong = council.post(url, data={"csrf_token": council_token, "grounds": ["no_such_ground"], "step": "check"})
    problems = text(wrong)
    assert wrong.status_code == 400 and "Choose from the list." in problems and "Write the motivation." in problems
    check = act(
        council,
        council_token,
        challenge,
        "out-of-scope",
        grounds=["ineligible_task"],
        motivation="The pool is run under a framework contract.",
    )
    assert "Preview of the public notice" in check and "De taak staat niet open voor uitdaging" in check
    decided = service.case(challenge)
    assert decided["status"] == "out_of_scope" and decided["decision"]["grounds"] == ["ineligible_task"]
    assert history(service, challenge).count("declare_out_of_scope") == 1
    assert "The pool is run under a framework contract." not in decided["decision"]["notice"]


def test_dialogue_a_panel_referral_and_an_early_end_of_the_execution(scene):
    app, service, challenge, _ = scene
    officer, token = signed_in(app, LOTTE)
    council, council_token = signed_in(app, INES)

    # the dialogue asks for nothing: a confirmation without its check is refused, the retry acts once
    url = f"/desk/challenges/{challenge}/dialogue?lang=en"
    assert "This step asks for nothing more" in text(officer.get(url))
    unchecked = officer.post(url, data={"csrf_token": token, "step": "confirm", "batch": "resent"})
    assert unchecked.status_code == 400 and "Check the action again before you confirm it." in text(unchecked)
    assert service.case(challenge)["status"] == "in_assessment"
    assert "Start the dialogue with the group" in act(officer, token, challenge, "dialogue")
    assert service.case(challenge)["status"] == "in_dialogue"
    assert history(service, challenge).count("start_dialogue") == 1
    assert "Done: Start the dialogue with the group." in text(officer.get(f"/desk/challenges/{challenge}?lang=en"))

    # a panel is asked for advice: the question names no one, it is for the panel; the case stays where it is
    url = f"/desk/challenges/{challenge}/panel-referral?lang=en"
    form = text(officer.get(url))
    assert "The panel reads this" in form and "The group reads this" not in form
    empty = officer.post(url, data={"csrf_token": token, "question": "", "step": "check"})
    assert empty.status_code == 400 and "Write the question for the panel." in text(empty)
    named = officer.post(url, data={"csrf_token": token, "question": "Mail jan@example.org first.", "step": "check"})
    assert named.status_code == 400 and "Found: an e-mail address" in text(named)
    question = "Should the parking stay open on Sundays?"
    assert question in act(officer, token, challenge, "panel-referral", question=question)
    audit = audit_trail(service, challenge)
    assert audit.count("referred_to_panel") == 1 and service.case(challenge)["status"] == "in_dialogue"

    # accepted, then ended early during the drafting of the agreement, with a reason
    service.accept(challenge)
    act(officer, token, challenge, "agreement")
    url = f"/desk/challenges/{challenge}/termination?lang=en"
    assert officer.get(url).status_code == 403  # the decision body's
    blank = council.post(url, data={"csrf_token": council_token, "reason": "  ", "step": "check"})
    assert blank.status_code == 400 and "Give the reason." in text(blank)
    long = council.post(url, data={"csrf_token": council_token, "reason": "x" * 5001, "step": "check"})
    assert long.status_code == 400 and "Use at most 5000 characters." in text(long)
    reason = "The group dissolved; the municipality takes the parking back."
    assert reason in act(council, council_token, challenge, "termination", reason=reason)
    ended = service.case(challenge)
    assert ended["status"] == "terminated" and ended["history"][-1]["reason"] == reason
    assert history(service, challenge).count("terminate") == 1
    page = text(council.get(f"/desk/challenges/{challenge}?lang=en"))
    assert page.count("Done: End the execution early.") == 1  # confirmed twice, said once
    assert "Your role has no action on this case in its current state." in page
