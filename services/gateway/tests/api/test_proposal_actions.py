"""The officials' proposal actions against the real proposals service: the list of proposals awaiting an
answer, a bulk answer (each with its own Idempotency-Key; one refused for scope, one for its state; sent
twice, answered once), answer templates per department, decline with coded grounds, merge and split, each
with validation, a confirmation step, and only what the official's roles allow."""

from __future__ import annotations

import re
import uuid

import pytest
from gateway_testing import ANNA, INES, LOTTE, csrf_token, login, rows, sent_twice
from portal_testing import demo_scene


@pytest.fixture()
def scene(make_gateway, provider, proposals_service):
    ids = demo_scene(proposals_service)
    for name, process in (("lights", "mobility-2027"), ("crossing", "mobility-2027"), ("trees", "parks-2027")):
        ids[name] = proposals_service.submit(process, f"Proposal about {name}")
        proposals_service.admit(ids[name])
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    return app, proposals_service, ids


def text(response):
    return response.get_data(as_text=True)


def signed_in(app, who):
    client = app.test_client()
    login(client, who)
    return client


def hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def done_once(service, proposal_id, what):
    """Whether the proposal's history, as the service has it, holds ``what`` once."""
    return [s["what"] for s in service.get(proposal_id)["history"]].count(what) == 1


def test_only_officials_reach_the_pages_and_each_is_offered_what_their_roles_allow(scene):
    app, _, ids = scene
    assert app.test_client().get("/desk/proposals").headers["Location"].startswith("/login?next=/desk/proposals")
    resident = signed_in(app, ANNA)
    assert resident.get("/desk/proposals").status_code == 403
    refused = resident.post(f"/desk/proposals/{ids['open']}/decline", data={"csrf_token": csrf_token(resident)})
    assert refused.status_code == 403
    officer = text(signed_in(app, LOTTE).get(f"/desk/proposals/{ids['open']}?lang=en"))
    assert "Answer this proposal" in officer and "Decline it with grounds" in officer and "Merge it into" in officer
    council = signed_in(app, INES)
    page = text(council.get(f"/desk/proposals/{ids['open']}?lang=en"))
    assert "Answer this proposal" in page and "Decline it" not in page and "Split it" not in page
    assert council.get(f"/desk/proposals/{ids['open']}/split").status_code == 403


def test_the_list_shows_the_proposals_awaiting_an_answer_with_checkboxes(scene):
    app, _, ids = scene
    page = text(signed_in(app, LOTTE).get("/desk/proposals?lang=en"))
    assert page.count('type="checkbox" name="proposal"') == 4  # open, lights, crossing, trees
    assert "Safer school streets" in page and "More benches" not in page and "<script" not in page
    assert f'value="{ids["trees"]}"' in page


def test_a_bulk_answer_answers_each_and_says_which_were_refused_and_why(scene):
    app, service, ids = scene
    official = signed_in(app, LOTTE)
    chosen = [ids["lights"], ids["crossing"], ids["trees"], ids["answered"]]
    form = official.get("/desk/proposals/answer?lang=en&" + "&".join(f"proposal={p}" for p in chosen))
    assert form.status_code == 200 and "Answer 4 proposals" in text(form) and "Proposal about trees" in text(form)
    token = csrf_token(official)
    reasons = "The lights and the crossing come in 2027.\nThe budget is in the plan."
    data = {"csrf_token": token, "proposal": chosen, "position": "adopted", "reasons": reasons, "step": "check"}
    check = text(official.post("/desk/proposals/answer?lang=en", data=data))
    assert "Check the answer" in check and "Send the answer to all 4" in check
    assert service.get(ids["lights"])["status"] == "admitted"  # nothing sent before the confirmation
    confirmed = {**data, "step": "confirm", "batch": hidden(check, "batch"), "reasons": hidden(check, "reasons")}
    done = official.post("/desk/proposals/answer?lang=en", data=confirmed)
    page = text(done)
    assert done.status_code == 200 and "2 proposals were answered" in page and "2 were refused" in page
    refused = page.split('id="refused-title"', 1)[1].split('id="answered-title"', 1)[0]
    assert "Proposal about trees" in refused and "You may not do this for this proposal." in refused
    assert "not for process:parks-2027" in refused  # the service's own reason
    assert "More benches" in refused and "not possible in the proposal&#39;s current state" in refused
    for pid in (ids["lights"], ids["crossing"]):
        answered = service.get(pid)
        assert answered["status"] == "answered" and answered["position"] == "adopted"
        assert answered["answer"] == reasons
    assert service.get(ids["trees"])["status"] == "admitted"
    again = text(official.post("/desk/proposals/answer?lang=en", data=confirmed))  # the same form sent twice
    assert "2 proposals were answered" in again
    assert done_once(service, ids["lights"], "answered")


def test_a_bulk_answer_with_wrong_input_shows_an_error_summary_and_changes_nothing(scene):
    app, service, ids = scene
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    data = {"csrf_token": token, "proposal": [ids["lights"]], "position": "maybe", "reasons": " ", "step": "check"}
    wrong = official.post("/desk/proposals/answer?lang=en", data=data)
    page = text(wrong)
    assert wrong.status_code == 400 and "There is a problem" in page
    assert 'href="#position"' in page and "Give the reasons for the answer." in page
    none = official.post("/desk/proposals/answer?lang=en", data={**data, "proposal": ["not-an-id"]})
    assert none.status_code == 400 and "Choose the proposals from the list." in text(none)
    assert official.get("/desk/proposals/answer").headers["Location"].endswith("/desk/proposals?none=1")
    assert "Choose at least one proposal" in text(official.get("/desk/proposals?none=1&lang=en"))
    assert service.get(ids["lights"])["status"] == "admitted"


def test_templates_are_kept_per_department_and_fill_the_answer_form(scene):
    app, _, ids = scene
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    empty = official.post("/desk/answer-templates?lang=en", data={"csrf_token": token, "department": "mobility"})
    assert empty.status_code == 400 and "Give the template a name." in text(empty)
    other = {"csrf_token": token, "name": "x", "department": "finance", "position": "partly", "text": "t"}
    assert "Choose who may use it" in text(official.post("/desk/answer-templates?lang=en", data=other))
    assert rows(app.extensions["gateway"].engine, "answer_templates") == []
    new = {**other, "name": "Planned already", "department": "mobility", "text": "This is in the mobility plan."}
    saved = official.post("/desk/answer-templates", data=new)
    assert saved.status_code == 303
    page = text(official.get("/desk/answer-templates?lang=en"))
    assert "The template was saved." in page and "Planned already" in page
    (kept,) = rows(app.extensions["gateway"].engine, "answer_templates")
    assert kept["department"] == "mobility" and kept["municipality"] == "demo"
    form = text(official.get(f"/desk/proposals/answer?lang=en&proposal={ids['lights']}&template={kept['id']}"))
    assert "This is in the mobility plan.</textarea>" in form and 'value="partly" id="position-partly" checked' in form
    assert "Planned already" not in text(signed_in(app, INES).get("/desk/answer-templates?lang=en"))  # not theirs
    unknown = official.get(f"/desk/proposals/answer?lang=en&proposal={ids['lights']}&template=nope")
    assert unknown.status_code == 400 and "Choose a template from the list." in text(unknown)
    official.post(f"/desk/answer-templates/{kept['id']}/delete", data={"csrf_token": token})
    assert rows(app.extensions["gateway"].engine, "answer_templates") == []


def test_decline_needs_a_motivated_ground_and_a_confirmation(scene):
    app, service, ids = scene
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    url = f"/desk/proposals/{ids['lights']}/decline?lang=en"
    assert "On which grounds?" in text(official.get(url))
    nothing = official.post(url, data={"csrf_token": token, "step": "check"})
    assert nothing.status_code == 400 and "Choose at least one ground" in text(nothing)
    bare = official.post(url, data={"csrf_token": token, "step": "check", "ground": "unlawful"})
    assert bare.status_code == 400 and 'href="#detail_unlawful"' in text(bare)
    data = {"csrf_token": token, "ground": "unlawful", "detail_unlawful": "Traffic lights are set by the region."}
    check = text(official.post(url, data={**data, "step": "check"}))
    assert "Check before you confirm" in check and service.get(ids["lights"])["status"] == "admitted"
    confirmed = {**data, "step": "confirm", "key": hidden(check, "key")}
    done = sent_twice(official, url, confirmed)
    assert done.status_code == 303 and service.get(ids["lights"])["status"] == "declined"
    assert done_once(service, ids["lights"], "declined")
    assert text(official.get(done.headers["Location"] + "?lang=en")).count("The proposal was declined.") == 1
    again = official.post(url, data={**data, "step": "confirm", "key": str(uuid.uuid4())})  # a second decline
    assert again.status_code == 409 and "not possible in the proposal&#39;s current state" in text(again)


def test_merge_and_split_with_reasons(scene):
    app, service, ids = scene
    official = signed_in(app, LOTTE)
    token = csrf_token(official)
    merge = f"/desk/proposals/{ids['lights']}/merge?lang=en"
    page = text(official.get(merge))
    assert "Proposal about crossing" in page and "Proposal about trees" not in page  # the same process only
    wrong = official.post(merge, data={"csrf_token": token, "into": ids["trees"], "step": "check"})
    assert wrong.status_code == 400 and "Choose the proposal to merge it into." in text(wrong)
    data = {"csrf_token": token, "into": ids["crossing"], "reasons": "Both ask for a safe crossing."}
    check = text(official.post(merge, data={**data, "step": "check"}))
    assert "Merged into" in check
    assert sent_twice(official, merge, {**data, "step": "confirm", "key": hidden(check, "key")}).status_code == 303
    assert service.get(ids["lights"])["status"] == "merged" and done_once(service, ids["lights"], "merged_into")
    split = f"/desk/proposals/{ids['crossing']}/split?lang=en"
    one = official.post(
        split, data={"csrf_token": token, "parts": "Only one\nIts text", "reasons": "r", "step": "check"}
    )
    assert one.status_code == 400 and "Write between 2 and 10 parts" in text(one)
    parts = "A zebra crossing\nAt the school.\n\nA traffic light\nAt the square."
    data = {"csrf_token": token, "parts": parts, "reasons": "Two different things to decide.", "step": "check"}
    check = text(official.post(split, data=data))
    assert "Part 1: A zebra crossing" in check and "Part 2: A traffic light" in check
    assert sent_twice(official, split, {**data, "step": "confirm", "key": hidden(check, "key")}).status_code == 303
    assert service.get(ids["crossing"])["status"] == "split" and done_once(service, ids["crossing"], "split_into")


def test_the_decision_body_answers_across_processes(scene):
    app, service, ids = scene
    council = signed_in(app, INES)
    data = {"csrf_token": csrf_token(council), "proposal": [ids["trees"]], "position": "not_adopted"}
    data |= {"reasons": "The park's plan keeps this area open.", "step": "check", "batch": ""}
    check = text(council.post("/desk/proposals/answer?lang=fr", data=data))
    done = text(
        council.post(
            "/desk/proposals/answer?lang=fr", data={**data, "step": "confirm", "batch": hidden(check, "batch")}
        )
    )
    assert '<html lang="fr"' in done or 'lang="fr"' in done
    assert service.get(ids["trees"])["position"] == "not_adopted"


def test_the_work_queue_offers_its_proposals_for_one_answer_to_many(scene):
    from datetime import UTC, datetime, timedelta

    from gateway.casework.queue import change_for
    from gateway.casework.store import apply

    app, _, ids = scene
    now = datetime.now(UTC)
    with app.extensions["gateway"].engine.begin() as conn:
        for name in ("lights", "trees"):
            data = {"proposal_id": ids[name], "process_id": "p", "title": f"Proposal about {name}", "supporters": 3}
            data |= {"threshold": 3, "answer_due_at": (now + timedelta(days=9)).isoformat()}
            apply(conn, change_for("org.meemaken.proposals.proposal.threshold_reached.v1", data, now))
    official = signed_in(app, LOTTE)
    queue = text(official.get("/desk/queue?lang=en"))
    assert f'form="bulk-answer" name="proposal" value="{ids["lights"]}"' in queue
    assert '<form id="bulk-answer" method="get" action="/desk/proposals/answer"' in queue
    chosen = text(official.get(f"/desk/proposals/answer?lang=en&proposal={ids['lights']}&proposal={ids['trees']}"))
    assert "Answer 2 proposals" in chosen and "Proposal about trees" in chosen
