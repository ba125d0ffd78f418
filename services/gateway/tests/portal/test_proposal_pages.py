"""Proposals in the portal against the real proposals service: browse, search, filter and page; read one
with its answer or reasons; support once (CSRF; residents only); submit with drafts, a check page and a
confirmation; the empty, refused and unavailable states. Anonymous and signed-in."""

from __future__ import annotations

import re

import pytest
from gateway_testing import ANNA, VISITOR, csrf_token, login
from portal_testing import demo_scene, phase

from meemaken_testkit.ports import free_port


@pytest.fixture()
def scene(make_gateway, provider, proposals_service):
    ids = demo_scene(proposals_service)
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    return app, proposals_service, ids


def text(response):
    return response.get_data(as_text=True)


# --- browse -------------------------------------------------------------------------------------------


def test_the_list_shows_every_proposal_with_its_status_process_and_supporters(scene):
    app, _, _ = scene
    page = text(app.test_client().get("/proposals?lang=en"))
    for title in ("Safer school streets", "More benches on the market square", "A playground in the north park"):
        assert title in page
    assert "Open for support" in page and "Answered" in page and "Being checked" in page and "Not admitted" in page
    assert "2 supporters" in page and "0 supporters" in page and "Mobility plan 2027" in page
    assert "Your drafts" not in page  # anonymous: no drafts


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=answered", ["More benches"], ["Safer school streets", "north park"]),
        ("q=playground", ["north park"], ["Safer school streets", "More benches"]),
        ("process=parks-2027", ["north park"], ["Safer school streets"]),
        ("process=mobility-2027&status=admitted&q=school", ["Safer school streets"], ["More benches", "north park"]),
        ("process=not-ours", ["Safer school streets", "north park"], []),  # an unknown process filters nothing
    ],
)
def test_the_list_filters_by_process_status_and_words(scene, query, shown, hidden):
    app, _, _ = scene
    page = text(app.test_client().get(f"/proposals?lang=en&{query}"))
    assert "Proposals found" in page or "process=not-ours" in query
    for title in shown:
        assert title in page
    for title in hidden:
        assert title not in page.split('id="results-title"')[1]


def test_a_search_without_results_says_what_to_do(scene):
    app, _, _ = scene
    page = text(app.test_client().get("/proposals?q=submarine&lang=nl"))
    assert "Geen voorstellen gevonden. Probeer andere woorden of minder filters." in page
    assert "Filters wissen" in page


def test_the_list_pages_by_twenty(scene):
    app, service, _ = scene
    for n in range(20):
        service.submit("parks-2027", f"Idea number {n:02d} for the park")
    client = app.test_client()
    first = text(client.get("/proposals?lang=en&process=parks-2027"))
    assert first.count('class="card"') == 20 and 'rel="next"' in first and 'rel="prev"' not in first
    assert "/proposals?page=2&amp;process=parks-2027" in first  # the filters stay on the next page
    second = text(client.get("/proposals?lang=en&process=parks-2027&page=2"))
    assert second.count('class="card"') == 1 and "A playground in the north park" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second and "Page 2" in second
    past = text(client.get("/proposals?lang=en&page=9"))
    assert "There are no more proposals." in past
    assert client.get("/proposals?page=-1").status_code == 200  # nonsense is page 1


def test_the_list_explains_when_the_service_is_down(make_gateway, provider):
    client = make_gateway(provider, PROPOSALS_BASE_URL=f"http://127.0.0.1:{free_port()}").test_client()
    page = client.get("/proposals?lang=en")
    assert page.status_code == 503 and "We cannot show the proposals right now." in text(page)


# --- read ---------------------------------------------------------------------------------------------


def test_an_answered_proposal_shows_the_answer_and_its_reasons_and_its_history(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/proposals/{ids['answered']}?lang=en"))
    assert "The municipality&#39;s answer" in page or "The municipality's answer" in page
    assert "The municipality adopts this proposal." in page
    assert "Twelve benches will be placed this spring, as proposed." in page
    assert "Enough support: the municipality must answer" in page and "Answered by the municipality" in page
    assert "I support this proposal" not in page  # answered: no more support


def test_a_rejected_proposal_says_why_in_the_visitors_language(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/proposals/{ids['rejected']}?lang=fr"))
    assert "Pourquoi cette proposition n&#39;est pas recevable" in page or "n'est pas recevable" in page
    assert "Le titre est écrit entièrement en majuscules." in page


def test_an_open_proposal_shows_the_social_norm_and_the_threshold_progress(scene):
    app, _, ids = scene
    client = app.test_client()
    dutch = text(client.get(f"/proposals/{ids['open']}"))
    assert "2 bewoners steunen dit voorstel." in dutch
    assert "Nog 1 steunbetuiging nodig voordat de gemeente moet antwoorden." in dutch
    assert "progress__bar--65" in dutch  # 2 of 3, in steps of 5 (no inline style)
    assert "Meld je aan om dit voorstel te steunen" in dutch and "/login?next=/proposals/" in dutch
    french = text(client.get(f"/proposals/{ids['open']}?lang=fr"))
    assert "2 habitants soutiennent cette proposition." in french and "Encore 1 soutien nécessaire" in french


def test_a_proposal_being_checked_says_so_and_takes_no_support_yet(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/proposals/{ids['checking']}?lang=en"))
    assert "This proposal is being checked against the rules." in page and "No one supports this proposal yet." in page
    assert "I support this proposal" not in page and "Log in to support" not in page


def test_an_unknown_proposal_is_a_404_page(scene):
    app, _, _ = scene
    page = app.test_client().get("/proposals/00000000-0000-4000-8000-000000000000?lang=en")
    assert page.status_code == 404 and "Proposal not found" in text(page)
    assert app.test_client().get("/proposals/not-a-uuid").status_code == 404


# --- support ------------------------------------------------------------------------------------------


def test_a_resident_supports_once_and_the_threshold_is_reached(scene):
    app, service, ids = scene
    client = app.test_client()
    login(client, ANNA)
    url = f"/proposals/{ids['open']}"
    assert "I support this proposal" in text(client.get(f"{url}?lang=en"))
    assert client.post(f"{url}/support").status_code == 400  # no CSRF token: refused, nothing counted
    assert service.get(ids["open"])["supporters"] == 2
    supported = client.post(f"{url}/support", data={"csrf_token": csrf_token(client)})
    assert supported.status_code == 302 and supported.headers["Location"].endswith(f"{url}#support")
    page = text(client.get(f"{url}?lang=en"))
    assert "Thank you: your support is counted." in page and "You support this proposal." in page
    assert "3 residents support this proposal." in page and "the municipality must answer it." in page
    assert "I support this proposal" not in page
    again = client.post(f"{url}/support", data={"csrf_token": csrf_token(client)})  # e.g. from another tab
    assert again.status_code == 302
    assert "You already support this proposal. Each person counts once." in text(client.get(f"{url}?lang=en"))
    assert service.get(ids["open"])["supporters"] == 3


def test_someone_living_elsewhere_is_told_why_they_cannot_support(scene):
    app, service, ids = scene
    client = app.test_client()
    login(client, VISITOR)
    refused = client.post(f"/proposals/{ids['open']}/support?lang=en", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 403
    assert "Only residents of the municipality can support its proposals" in text(refused)
    assert service.get(ids["open"])["supporters"] == 2


def test_support_for_an_answered_proposal_is_refused_with_a_reason(scene):
    app, _, ids = scene
    client = app.test_client()
    login(client, ANNA)
    refused = client.post(f"/proposals/{ids['answered']}/support?lang=en", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 409 and "This proposal cannot be supported now" in text(refused)


def test_anonymous_support_counts_nothing(scene):
    app, service, ids = scene
    refused = app.test_client().post(f"/proposals/{ids['open']}/support")
    assert refused.status_code in (400, 401)
    assert service.get(ids["open"])["supporters"] == 2


# --- submit -------------------------------------------------------------------------------------------


def test_the_form_is_for_signed_in_residents(scene):
    app, _, _ = scene
    answer = app.test_client().get("/proposals/new?process=parks-2027")
    assert (
        answer.status_code == 302 and answer.headers["Location"] == "/login?next=/proposals/new%3Fprocess%3Dparks-2027"
    )


def test_the_form_offers_only_processes_open_for_proposals(scene):
    app, _, _ = scene
    client = app.test_client()
    login(client, ANNA)
    page = text(client.get("/proposals/new?process=parks-2027&lang=en"))
    options = re.findall(r'<option (?:selected )?value="([^"]*)"', page)
    assert options == ["", "mobility-2027", "parks-2027"]  # not the budget round that has not started
    assert '<option selected value="parks-2027">' in page


def test_a_form_with_mistakes_says_what_to_fix_at_the_top_and_at_each_field(scene):
    app, _, _ = scene
    client = app.test_client()
    login(client, ANNA)
    token = csrf_token(client)
    sent = client.post(
        "/proposals/new?lang=en",
        data={"csrf_token": token, "process_id": "", "title": "PARKING EVERYWHERE NOW", "text": "short"},
    )
    page = text(sent)
    assert sent.status_code == 422
    assert 'class="error-summary"' in page and 'href="#process_id"' in page and 'href="#title"' in page
    assert "Choose the process your proposal is for." in page
    assert "Write the title in normal letters, not all capitals." in page
    assert "The description needs between 30 and 5000 characters." in page
    assert page.count('aria-invalid="true"') == 3 and "<title>Error:" in page
    dutch = text(client.post("/proposals/new?lang=nl", data={"csrf_token": token, "process_id": "mobility-2027"}))
    assert "Vul een titel in." in dutch and "Beschrijf je voorstel." in dutch
    mail = client.post(
        "/proposals/new?lang=en",
        data={"csrf_token": token, "process_id": "parks-2027", "title": "Mail me about trees", "text": "x@y.be " * 6},
    )
    assert "Proposals are public: remove the e-mail address." in text(mail)


def test_a_draft_is_kept_and_a_proposal_is_checked_sent_and_confirmed(scene):
    app, service, _ = scene
    client = app.test_client()
    login(client, ANNA)
    token = csrf_token(client)
    draft = client.post(
        "/proposals/new", data={"csrf_token": token, "process_id": "parks-2027", "title": "Shade", "action": "draft"}
    )
    assert draft.status_code == 302
    draft_id = draft.headers["Location"].split("draft=")[1]
    resumed = text(client.get(f"/proposals/new?draft={draft_id}&lang=en"))
    assert 'value="Shade"' in resumed and "Your draft is saved." in resumed and "Delete this draft" in resumed
    listed = text(client.get("/proposals?lang=en"))
    assert "Your drafts" in listed and f"/proposals/new?draft={draft_id}" in listed and ">Shade</a>" in listed
    assert "Your draft is saved." not in listed and "Your draft was deleted." not in listed

    title, body = "Shade trees along the north park path", "Plant a row of trees so that the path is cool in summer."
    sent = client.post(
        "/proposals/new",
        data={"csrf_token": token, "draft": draft_id, "process_id": "parks-2027", "title": title, "text": body},
    )
    assert sent.status_code == 302 and sent.headers["Location"] == f"/proposals/new/check?draft={draft_id}"
    check = text(client.get(sent.headers["Location"] + "&lang=en"))
    assert "Check your proposal" in check and title in check and body in check and "Greener parks" in check

    done = client.post("/proposals/new/check", data={"csrf_token": token, "draft": draft_id})
    assert done.status_code == 302 and done.headers["Location"].endswith("/sent")
    proposal_id = done.headers["Location"].split("/")[2]
    confirmation = text(client.get(done.headers["Location"] + "?lang=en"))
    assert "Your proposal has been sent" in confirmation and proposal_id[:8].upper() in confirmation
    stored = service.get(proposal_id)
    assert stored["title"] == title and stored["text"] == body and stored["status"] == "submitted"
    assert "Your drafts" not in text(client.get("/proposals?lang=en"))  # sent: the draft is gone
    # the check page once more (a second tab, a double click): nothing is sent twice
    twice = client.post("/proposals/new/check", data={"csrf_token": token, "draft": draft_id})
    assert twice.status_code == 302 and twice.headers["Location"] == "/proposals/new"
    mine = [p for p in service.client.get("/api/v1/proposals?q=shade").get_json()]
    assert len(mine) == 1 and mine[0]["author_id"] != ANNA  # a pseudonymous id, never the provider's subject


def test_a_draft_can_be_deleted(scene):
    app, _, _ = scene
    client = app.test_client()
    login(client, ANNA)
    token = csrf_token(client)
    draft = client.post("/proposals/new", data={"csrf_token": token, "title": "Benches", "action": "draft"})
    draft_id = draft.headers["Location"].split("draft=")[1]
    deleted = client.post(f"/proposals/drafts/{draft_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    page = text(client.get("/proposals?lang=en"))
    assert "Your draft was deleted." in page and "Your drafts" not in page


def test_no_open_process_means_no_form(make_gateway, provider, proposals_service):
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(days=5)
    proposals_service.define("later", "Later", phases=[phase("ideas", later, later + timedelta(days=9), "raadplegen")])
    client = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url).test_client()
    login(client, ANNA)
    page = text(client.get("/proposals/new?lang=en"))
    assert "No process takes proposals right now." in page and '<form method="post" action="/proposals/new"' not in page


def test_the_portal_limits_submissions_as_the_pass_through_does(make_gateway, provider, proposals_service):
    ids = demo_scene(proposals_service)
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url, MEEMAKEN_RATELIMIT_SUBMISSIONS="2/minute")
    client = app.test_client()
    login(client, ANNA)
    token = csrf_token(client)
    for _ in range(2):
        assert client.post(f"/proposals/{ids['open']}/support", data={"csrf_token": token}).status_code == 302
    limited = client.post(f"/proposals/{ids['open']}/support?lang=en", data={"csrf_token": token})
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert "Please wait a moment" in text(limited)
