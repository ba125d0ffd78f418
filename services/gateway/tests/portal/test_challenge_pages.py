"""Right to Challenge in the portal against the real challenges service (PostgreSQL): the catalogue with its
windows and criteria; who may challenge, told before starting; the guided form (group, plan, budget,
documents, check) with its errors, drafts kept by the service and a double click that sends once; the
confirmation; the case page with its history, due dates, the information asked for, the change proposed,
the decision notice; withdrawal; strangers, anonymous visitors and a service that is down."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest
from challenge_testing import PLAN, ChallengesService, catalogue, officer
from gateway_testing import ANNA, DAAN, csrf_token, login

from meemaken_testkit.ports import free_port


@pytest.fixture()
def scene(make_gateway, provider, database_url):
    with ChallengesService(database_url) as service:
        ids = catalogue(service)
        app = make_gateway(provider, CHALLENGES_BASE_URL=service.url)
        yield app, service, ids


def text(response):
    """The page's text, entities decoded and whitespace collapsed (a sentence may wrap in the template)."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def signed_in(app, who=DAAN):
    client = app.test_client()
    login(client, who)
    return client, csrf_token(client)


def draft(client, token, task_id, **group):
    """Step 1 as the representative: the draft opened in the service; its id."""
    form = {"csrf_token": token, "name": "Fietswerking Station", "legal_form": "vzw", "members_count": "12"} | group
    answer = client.post(f"/challenges/tasks/{task_id}/start?lang=en", data=form)
    assert answer.status_code == 302, text(answer)
    found = re.search(r"/challenges/([0-9a-f-]{36})/plan", answer.headers["Location"])
    assert found is not None
    return found.group(1)


def complete(client, token, challenge_id):
    """Steps 2 and 3 filled in completely."""
    plan = client.post(f"/challenges/{challenge_id}/plan", data={"csrf_token": token, **PLAN, "action": "next"})
    assert plan.status_code == 302 and plan.headers["Location"].endswith(f"/challenges/{challenge_id}/budget")
    means = {
        "csrf_token": token,
        "cost_estimate": "95.000",
        "capacity_and_finances": "Twelve volunteers, two mechanics and a reserve.",
        "support_asked": "",
        "action": "next",
    }
    budget = client.post(f"/challenges/{challenge_id}/budget", data=means)
    assert budget.status_code == 302 and budget.headers["Location"].endswith(f"/challenges/{challenge_id}/documents")


def sent(service, client, token, ids):
    """A complete challenge sent and checked by the service's gates (in assessment now); its id."""
    challenge_id = draft(client, token, ids["open"])
    complete(client, token, challenge_id)
    assert client.post(f"/challenges/{challenge_id}/check", data={"csrf_token": token}).status_code == 302
    assert service.gate_check(challenge_id) == "in_assessment"
    return challenge_id


# --- the catalogue and a task ------------------------------------------------------------------------------


def test_the_catalogue_shows_open_later_and_blocked_tasks_with_their_windows(scene):
    app, _, ids = scene
    page = text(app.test_client().get("/challenges?lang=en"))
    assert "Open for challenges now" in page and "Open later" in page and "Not open for challenges" in page
    assert "Bicycle parking at the station" in page and "You can send a challenge until" in page
    assert "Cleaning the market square" in page and "Opens on" in page
    assert "Not open: a tender is running until 2027" in page and "Costs the municipality €110,000 a year" in page
    assert f"/challenges/tasks/{ids['open']}" in page and "/challenges/decisions" in page
    dutch = text(app.test_client().get("/challenges?lang=nl"))
    assert "Uitdaagrecht" in dutch and "€ 110.000" in dutch and "Nu open voor uitdagingen" in dutch


def test_a_task_shows_its_criteria_with_weights_and_who_may_challenge_before_logging_in(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/challenges/tasks/{ids['open']}?lang=en"))
    assert "Cost compared with the current cost" in page and "Weight: 2" in page and "at least 60% of" in page
    assert "A group with one of these legal forms: vzw, cooperatie." in page and "at least 3 members" in page
    assert "at least 18 years old and lives in the municipality" in page
    assert f"/login?next=/challenges/tasks/{ids['open']}" in page
    french = text(app.test_client().get(f"/challenges/tasks/{ids['open']}?lang=fr"))
    assert "Coût par rapport au coût actuel" in french and "Comment la commune juge une interpellation" in french


def test_a_resident_who_represents_no_group_is_told_why_before_and_at_the_form(scene):
    app, _, ids = scene
    client, _ = signed_in(app, ANNA)
    before = text(client.get(f"/challenges/tasks/{ids['open']}?lang=en"))
    assert "Only a group's representative can send a challenge" in before
    assert f"/challenges/tasks/{ids['open']}/start" not in before
    refused = client.get(f"/challenges/tasks/{ids['open']}/start?lang=en")
    assert refused.status_code == 403 and "You cannot send a challenge for a group" in text(refused)


def test_a_task_that_is_not_open_cannot_be_started(scene):
    app, _, ids = scene
    client, _ = signed_in(app)
    later = client.get(f"/challenges/tasks/{ids['later']}/start?lang=en")
    assert later.status_code == 409 and "Challenges open on" in text(later)
    assert client.get(f"/challenges/tasks/{ids['blocked']}/start").status_code == 409


# --- the guided form ---------------------------------------------------------------------------------------


def test_the_group_step_says_what_to_fix_and_opens_nothing(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    url = f"/challenges/tasks/{ids['open']}/start?lang=en"
    form = text(client.get(url))
    assert "Step 1 of 5" in form and '<option value="vzw">vzw</option>' in form and "at least 3 members" in form
    empty = client.post(url, data={"csrf_token": token, "name": "", "legal_form": "", "members_count": ""})
    page = text(empty)
    assert empty.status_code == 422 and "There is a problem" in page
    assert 'href="#name"' in page and "Enter the name of your group." in page
    assert "Choose your group's legal form." in page and "Enter the number of members as a whole number" in page
    few = client.post(
        url, data={"csrf_token": token, "name": "Fietswerking", "legal_form": "vzw", "members_count": "2"}
    )
    assert few.status_code == 422 and "This task needs a group of at least 3 members." in text(few)
    other = client.post(url, data={"csrf_token": token, "name": "X", "legal_form": "bv", "members_count": "9"})
    assert other.status_code == 422 and "Not a valid choice" in text(other)
    assert service.client.get("/api/v1/challenges", headers=officer()).get_json() == []


def test_a_representative_writes_a_draft_step_by_step_and_it_waits_in_the_service(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    plan = text(client.get(f"/challenges/{challenge_id}/plan?lang=en"))
    assert "Step 2 of 5" in plan and "Why your group would do this task better" in plan
    saved = client.post(
        f"/challenges/{challenge_id}/plan?lang=en",
        data={"csrf_token": token, "why_better": "We repair bicycles next door.", "action": "draft"},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/challenges/{challenge_id}/plan")
    again = text(client.get(f"/challenges/{challenge_id}/plan?lang=en"))
    assert "Your draft is saved." in again and "We repair bicycles next door." in again
    assert service.case(challenge_id)["submission"]["why_better"] == "We repair bicycles next door."
    bad = client.post(
        f"/challenges/{challenge_id}/budget?lang=en", data={"csrf_token": token, "cost_estimate": "a lot"}
    )
    assert bad.status_code == 422 and "Enter the amount in whole euros, for example 95000." in text(bad)
    # another login of the same person finds the draft in the catalogue
    later, _ = signed_in(app)
    listed = text(later.get("/challenges?lang=en"))
    assert "Your group's challenges" in listed and "Draft: not sent yet" in listed and "Go on with your draft" in listed


def test_the_check_page_lists_what_is_missing_and_sends_nothing(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    check = text(client.get(f"/challenges/{challenge_id}/check?lang=en"))
    assert "6 parts are not filled in yet." in check and "Not filled in" in check
    tried = client.post(f"/challenges/{challenge_id}/check?lang=en", data={"csrf_token": token})
    page = text(tried)
    assert tried.status_code == 422 and "There is a problem" in page and 'href="#part-why_better"' in page
    assert service.case(challenge_id)["status"] == "draft"


def test_documents_are_added_and_a_file_of_the_wrong_type_is_refused_in_words(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    url = f"/challenges/{challenge_id}/documents?lang=en"
    assert "No documents yet." in text(client.get(url))
    added = client.post(
        url,
        data={"csrf_token": token, "document": (BytesIO(b"Statutes of the association.\n"), "statutes.txt")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    listed = text(client.get(url))
    assert "statutes.txt" in listed and "The document is added." in listed
    assert [d["filename"] for d in service.case(challenge_id)["documents"]] == ["statutes.txt"]
    document_id = service.case(challenge_id)["documents"][0]["id"]
    link = f"/api/challenges/v1/challenges/{challenge_id}/documents/{document_id}"
    assert f'href="{link}"' in listed  # the group downloads it through the gateway, with its login
    downloaded = client.get(link)
    assert downloaded.status_code == 200 and downloaded.data == b"Statutes of the association.\n"
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get(link).status_code == 401  # nobody else
    wrong = client.post(
        url,
        data={"csrf_token": token, "document": (BytesIO(b"\x00\x01\x02binary"), "virus.exe")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "This type of file cannot be added." in text(wrong)
    none = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert none.status_code == 422 and "Choose a file to add." in text(none)
    assert len(service.case(challenge_id)["documents"]) == 1


def test_a_complete_challenge_is_sent_once_with_a_confirmation(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    complete(client, token, challenge_id)
    check = text(client.get(f"/challenges/{challenge_id}/check?lang=en"))
    assert "This is what the municipality will read." in check and "€95,000 a year" in check
    first = client.post(f"/challenges/{challenge_id}/check", data={"csrf_token": token})
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/challenges/{challenge_id}/sent")
    second = client.post(f"/challenges/{challenge_id}/check", data={"csrf_token": token})  # a double click
    assert second.status_code == 302
    confirmation = text(client.get(f"/challenges/{challenge_id}/sent?lang=en"))
    assert "Your challenge has been sent" in confirmation and challenge_id[:8].upper() in confirmation
    assert "The municipality decides by" in confirmation
    case = service.case(challenge_id)
    assert case["status"] == "submitted" and [h["action"] for h in case["history"]] == ["submit"]
    steps = client.get(f"/challenges/{challenge_id}/plan")  # sent: no more editing, its page instead
    assert steps.status_code == 302 and steps.headers["Location"].endswith(f"/challenges/{challenge_id}")


# --- the case ----------------------------------------------------------------------------------------------


def test_the_case_page_asks_for_information_and_takes_the_answer(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = sent(service, client, token, ids)
    service.ask(challenge_id, "Send the insurance policy of the association.")
    page = text(client.get(f"/challenges/{challenge_id}?lang=en"))
    assert "The municipality asks for information" in page and "Send the insurance policy" in page
    assert "Answer by" in page and "The time for the decision stands still" in page
    assert "Being checked against the rules" in page and "Being assessed" in page  # the history
    assert "Met:" in page and "It was sent while challenges were open." in page  # the gates in words
    assert f"/challenges/{challenge_id}/documents" in page  # a document with the answer
    added = client.post(
        f"/challenges/{challenge_id}/documents",
        data={"csrf_token": token, "document": (BytesIO(b"Insurance policy 2026-114.\n"), "policy.txt")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302 and len(service.case(challenge_id)["documents"]) == 1
    assert "Add the documents the municipality asked for." in text(
        client.get(f"/challenges/{challenge_id}/documents?lang=en")
    )
    version = service.case(challenge_id)["version"]
    empty = client.post(
        f"/challenges/{challenge_id}/information?lang=en", data={"csrf_token": token, "answer": " ", "version": version}
    )
    assert empty.status_code == 422 and "Write your answer to the municipality's question." in text(empty)
    answered = client.post(
        f"/challenges/{challenge_id}/information",
        data={"csrf_token": token, "answer": "Policy 2026-114 is attached to our statutes.", "version": version},
    )
    assert answered.status_code == 302
    assert "Your answer has been sent to the municipality." in text(client.get(f"/challenges/{challenge_id}?lang=en"))
    assert service.case(challenge_id)["status"] == "in_assessment"
    stale = client.post(
        f"/challenges/{challenge_id}/information?lang=en",
        data={"csrf_token": token, "answer": "Again.", "version": version},
    )
    assert stale.status_code == 409 and "Your challenge changed in the meantime" in text(stale)


def test_a_change_is_accepted_and_the_decision_notice_is_published(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = sent(service, client, token, ids)
    service.propose(challenge_id, "Open on Sundays only from April to October.")
    page = text(client.get(f"/challenges/{challenge_id}?lang=en"))
    assert "The municipality proposes a change" in page and "Open on Sundays only" in page and "Reply by" in page
    version = service.case(challenge_id)["version"]
    no_reason = client.post(
        f"/challenges/{challenge_id}/modification?lang=en",
        data={"csrf_token": token, "action": "decline", "reason": "", "version": version},
    )
    assert no_reason.status_code == 422 and "Say why your group does not agree with the change." in text(no_reason)
    agreed = client.post(
        f"/challenges/{challenge_id}/modification", data={"csrf_token": token, "action": "accept", "version": version}
    )
    assert agreed.status_code == 302 and service.case(challenge_id)["status"] == "decision_pending"
    assert "You agreed to the change." in text(client.get(f"/challenges/{challenge_id}?lang=en"))
    service.reject(challenge_id)
    decided = client.get(f"/challenges/{challenge_id}?lang=en").get_data(as_text=True)
    assert "The municipality does not accept the challenge." in decided and '<div class="notice" lang="nl">' in decided
    assert "Your group can object to this decision until" in decided and "Object to the decision" in decided
    version = service.case(challenge_id)["version"]
    empty = client.post(
        f"/challenges/{challenge_id}/objection?lang=en", data={"csrf_token": token, "grounds": "", "version": version}
    )
    assert empty.status_code == 422 and "Say why your group objects to the decision." in text(empty)
    objected = client.post(
        f"/challenges/{challenge_id}/objection",
        data={"csrf_token": token, "grounds": "The tender ended last month.", "version": version},
    )
    assert objected.status_code == 302 and service.case(challenge_id)["status"] == "objection"
    after = text(client.get(f"/challenges/{challenge_id}?lang=en"))
    assert "Your objection has been sent." in after and "Object to the decision" not in after
    public = app.test_client().get("/challenges/decisions?lang=en").get_data(as_text=True)
    assert "Bicycle parking at the station" in public and "The municipality does not accept the challenge." in public
    assert "Fietswerking" not in public  # the notice names no group and no one


def test_a_challenge_is_withdrawn_after_a_confirmation(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = sent(service, client, token, ids)
    confirm = text(client.get(f"/challenges/{challenge_id}/withdraw?lang=en"))
    assert "You cannot undo this." in confirm
    done = client.post(
        f"/challenges/{challenge_id}/withdraw",
        data={"csrf_token": token, "reason": "", "version": service.case(challenge_id)["version"]},
    )
    assert done.status_code == 302 and service.case(challenge_id)["status"] == "withdrawn"
    page = text(client.get(f"/challenges/{challenge_id}?lang=en"))
    assert "Your challenge is withdrawn." in page and "Withdraw this challenge" not in page


def test_strangers_and_anonymous_visitors_see_no_case(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    stranger, stranger_token = signed_in(app, ANNA)
    seen = stranger.get(f"/challenges/{challenge_id}?lang=en")
    assert seen.status_code == 404 and "Fietswerking" not in text(seen)
    tried = stranger.post(f"/challenges/{challenge_id}/plan", data={"csrf_token": stranger_token, "why_better": "x"})
    assert tried.status_code == 404 and service.case(challenge_id)["submission"]["why_better"] == ""
    anonymous = app.test_client().get(f"/challenges/{challenge_id}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"] == f"/login?next=/challenges/{challenge_id}"


def test_a_service_that_is_down_is_a_page_not_an_error(make_gateway, provider):
    down = make_gateway(provider, CHALLENGES_BASE_URL=f"http://127.0.0.1:{free_port()}").test_client()
    listed = down.get("/challenges?lang=en")
    assert listed.status_code == 503 and "We cannot show the tasks right now." in text(listed)
    task = down.get("/challenges/tasks/00000000-0000-4000-8000-000000000000?lang=en")
    assert task.status_code == 503 and "The Right to Challenge service does not answer." in text(task)
    decisions = down.get("/challenges/decisions?lang=en")
    assert decisions.status_code == 503 and "We cannot show the decisions right now." in text(decisions)


def test_an_unknown_task_is_not_found(scene):
    app, _, _ = scene
    missing = app.test_client().get("/challenges/tasks/00000000-0000-4000-8000-000000000000?lang=en")
    assert missing.status_code == 404 and "Not found" in text(missing)


def test_members_named_by_their_reference_code_follow_the_challenge(scene):
    app, service, ids = scene
    member, _ = signed_in(app, ANNA)
    code = re.search(r'id="reference">([^<]+)<', member.get("/account").get_data(as_text=True)).group(1)
    client, token = signed_in(app)
    url = f"/challenges/tasks/{ids['open']}/start?lang=en"
    group = {"csrf_token": token, "name": "Fietswerking", "legal_form": "vzw", "members_count": "4"}
    wrong = client.post(url, data=group | {"co_initiators": "my neighbour\nZZZZ-ZZZZ-ZZ"})
    page = text(wrong)
    assert wrong.status_code == 422 and 'href="#co_initiators"' in page
    assert "Line 1 is not a reference code." in page and "Nobody with the reference code on line 2" in page
    assert service.client.get("/api/v1/challenges", headers=officer()).get_json() == []
    challenge_id = draft(client, token, ids["open"], co_initiators=f"{code}\n{code.lower()}")
    assert service.case(challenge_id)["group"]["co_initiators"] == 1
    listed = text(member.get("/challenges?lang=en"))
    assert "Your group's challenges" in listed and f"/challenges/{challenge_id}" in listed
    seen = text(member.get(f"/challenges/{challenge_id}?lang=en"))
    assert "1 member follows the challenge on this site" in seen and "Go on with your draft" not in seen
    steps = member.get(f"/challenges/{challenge_id}/plan")  # only the representative writes
    assert steps.status_code == 302 and steps.headers["Location"].endswith(f"/challenges/{challenge_id}")


def test_a_document_of_a_few_megabytes_is_added_and_one_over_10_mb_is_refused_in_words(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    challenge_id = draft(client, token, ids["open"])
    url = f"/challenges/{challenge_id}/documents?lang=en"
    budget = (BytesIO(b"Budget line.\n" * 200_000), "budget.txt")  # 2.6 MB: above the gateway's usual 1 MB
    added = client.post(url, data={"csrf_token": token, "document": budget}, content_type="multipart/form-data")
    assert added.status_code == 302, text(added)[-500:]
    huge = (BytesIO(b"a" * (11 * 1024 * 1024)), "huge.txt")
    refused = client.post(url, data={"csrf_token": token, "document": huge}, content_type="multipart/form-data")
    assert refused.status_code == 413 and "The file is larger than 10 MB. Add a smaller file." in text(refused)
    assert [d["filename"] for d in service.case(challenge_id)["documents"]] == ["budget.txt"]


def test_the_home_page_leads_from_an_open_challenge_window_to_the_catalogue(make_gateway, provider, proposals_service):
    proposals_service.define("challenge-2027", "Take over a task", "zelfbeheer", kind="challenge_window")
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'href="/challenges">See the tasks you can take over' in page
    assert '<a href="/challenges">Right to Challenge</a>' in page  # the main menu
