"""My page against the real services (proposals, notifications and panels on SQLite, challenges on PostgreSQL,
each over HTTP): the account page as its first tab; the inbox with "mark as read"; notification settings checked
in plain words and stored by the notifications service; what the resident took part in (proposals, supports,
votes, challenges, panels) with empty states and a service that is down; the download of everything; and the
request for deletion: confirmed, recorded, visibly pending, with the contact really deleted and nothing else
claimed."""

from __future__ import annotations

import json

import pytest
from gateway_testing import ANNA, MINOR, csrf_token, login, rows
from mypage_testing import Service, gateway_services, my_scene, person_id

from meemaken_testkit.ports import free_port
from meemaken_testkit.tokens import bearer


@pytest.fixture()
def services(tmp_path, proposals_service, database_url):
    folder = tmp_path / "services"
    folder.mkdir()
    with (
        Service(f"sqlite:///{folder / 'notifications.sqlite'}", "notifications") as notifications,
        Service(f"sqlite:///{folder / 'panels.sqlite'}", "panels") as panels,
        Service(database_url, "challenges") as challenges,
    ):
        yield proposals_service, notifications, challenges, panels


@pytest.fixture()
def scene(make_gateway, provider, services):
    proposals, notifications, challenges, panels = services
    me = person_id(provider)
    ids = my_scene(proposals, notifications, challenges, panels, me)
    app = make_gateway(provider, **gateway_services(*services))
    return app, me, ids, notifications


def text(response):
    return " ".join(response.get_data(as_text=True).split())


def signed_in(app, who=ANNA):
    client = app.test_client()
    login(client, who)
    return client, csrf_token(client)


def save_email(client, token):
    data = {"csrf_token": token, "channels": ["email"], "email": "a@example.org", "language": "nl", "digest": "daily"}
    assert client.post("/account/notifications", data=data).status_code == 302


def contact_of(notifications, me):
    return notifications.client.get(f"/api/v1/people/{me}/contact", headers=bearer("notifications", "resident", sub=me))


# --- only for the person themselves ----------------------------------------------------------------------


def test_every_part_of_my_page_sends_someone_anonymous_to_log_in_and_changes_nothing(scene):
    app, me, _, notifications = scene
    client = app.test_client()
    for path in (
        "/account/inbox",
        "/account/notifications",
        "/account/participation",
        "/account/data",
        "/account/data/download",
        "/account/data/deletion",
    ):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"] == f"/login?next={path}", path
    assert client.post("/account/data/deletion", data={"understood": "yes"}).status_code in (400, 401)
    assert client.post("/account/notifications", data={"channels": "inapp"}).status_code in (400, 401)
    assert contact_of(notifications, me).status_code == 404


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(scene):
    app, me, _, notifications = scene
    client, _ = signed_in(app)
    refused = client.post("/account/data/deletion?lang=en", data={"understood": "yes"})
    assert refused.status_code == 400 and "Your form has expired" in text(refused)
    refused = client.post("/account/notifications?lang=en", data={"channels": "inapp", "language": "nl"})
    assert refused.status_code == 400
    assert rows(app.extensions["gateway"].engine, "erasure_requests") == []
    assert contact_of(notifications, me).status_code == 404


def test_the_account_page_is_my_page_with_its_menu(scene):
    app, *_ = scene
    client, _ = signed_in(app)
    page = text(client.get("/account?lang=en"))
    assert "<h1>My page</h1>" in page and 'aria-label="My page"' in page
    for link in ("/account/inbox", "/account/notifications", "/account/participation", "/account/data"):
        assert f'href="{link}"' in page
    assert "Your reference code" in page and "Inbox (1 unread)" in page
    assert "<h1>Mijn pagina</h1>" in text(client.get("/account?lang=nl"))


# --- inbox -----------------------------------------------------------------------------------------------


def test_the_inbox_shows_the_message_about_my_proposal_and_marks_it_read(scene):
    app, me, _, notifications = scene
    client, token = signed_in(app)
    page = text(client.get("/account/inbox?lang=en"))
    messages = notifications.client.get(
        f"/api/v1/residents/{me}/messages", headers=bearer("notifications", "resident", sub=me)
    ).get_json()
    assert len(messages) == 1 and messages[0]["kind"] == "proposal_admitted"
    assert messages[0]["subject"] in page and "Unread:" in page and "Mark as read" in page
    assert 'lang="nl"' in page  # the message is in Dutch (her preference by default), the page in English
    marked = client.post(f"/account/inbox/{messages[0]['id']}/read", data={"csrf_token": token, "page": "1"})
    assert marked.status_code == 302 and marked.headers["Location"].endswith(f"#message-{messages[0]['id']}")
    after = text(client.get("/account/inbox?lang=en"))
    assert "The message is marked as read." in after and "Unread:" not in after
    count = notifications.client.get(
        f"/api/v1/residents/{me}/messages/unread-count", headers=bearer("notifications", "resident", sub=me)
    )
    assert count.get_json() == {"unread": 0}
    assert "unread)" not in text(client.get("/account?lang=en"))


def test_an_empty_inbox_and_an_unknown_message_say_so(scene):
    app, *_ = scene
    client, token = signed_in(app, MINOR)
    assert "You have no messages yet." in text(client.get("/account/inbox?lang=en"))
    missing = client.post("/account/inbox/00000000-0000-4000-8000-000000000000/read", data={"csrf_token": token})
    assert missing.status_code == 302
    assert "We could not find that message." in text(client.get("/account/inbox?lang=en"))
    assert client.get("/account/inbox?page=abc&lang=en").status_code == 200


# --- notification settings ------------------------------------------------------------------------------------


def test_settings_are_checked_in_plain_words_and_nothing_is_stored_until_they_are_right(scene):
    app, me, _, notifications = scene
    client, token = signed_in(app)
    first = text(client.get("/account/notifications?lang=en"))
    assert "You have not chosen anything yet." in first and 'id="channels-inapp" checked' in first
    wrong = client.post(
        "/account/notifications?lang=en",
        data={
            "csrf_token": token,
            "channels": ["email", "letter"],
            "email": "not an address",
            "postal_address": "Kerkstraat 1",
            "language": "de",
            "digest": "hourly",
        },
    )
    assert wrong.status_code == 422
    page = text(wrong)
    assert "There is a problem" in page
    assert "Enter an e-mail address like name@example.org." in page and 'href="#email"' in page
    assert "Enter your postal address on at least two lines" in page and 'aria-invalid="true"' in page
    assert "Choose a language." in page and "Choose how often you want e-mails." in page
    assert 'value="not an address"' in page  # what they typed stays
    nothing = client.post(
        "/account/notifications?lang=en", data={"csrf_token": token, "language": "en", "digest": "daily"}
    )
    assert nothing.status_code == 422 and "Choose at least one way to receive messages." in text(nothing)
    assert contact_of(notifications, me).status_code == 404


def test_settings_are_stored_by_the_notifications_service_and_shown_again(scene):
    app, me, _, notifications = scene
    client, token = signed_in(app)
    saved = client.post(
        "/account/notifications",
        data={
            "csrf_token": token,
            "channels": ["inapp", "email", "letter"],
            "email": "anna@example.org",
            "postal_address": "Anna Janssens\nKerkstraat 1\n9000 Gent",
            "language": "fr",
            "digest": "weekly",
            "muted_topics": ["budget", "panel"],
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/account/notifications"
    stored = contact_of(notifications, me).get_json()
    assert stored["channels"] == ["inapp", "email", "letter"] and stored["email"] == "anna@example.org"
    assert stored["postal_address"] == ["Anna Janssens", "Kerkstraat 1", "9000 Gent"]
    assert (stored["language"], stored["digest"], stored["muted_topics"]) == ("fr", "weekly", ["budget", "panel"])
    page = text(client.get("/account/notifications?lang=fr"))
    assert "Vos paramètres sont enregistrés." in page
    assert 'id="language-fr" checked' in page and 'id="digest-weekly" checked' in page
    assert 'id="muted-budget" checked' in page and 'id="muted-proposal" checked' not in page
    assert "anna@example.org" in page and "Kerkstraat 1" in page


def test_settings_say_so_when_the_notifications_service_is_down(make_gateway, provider, services):
    env = gateway_services(*services) | {"NOTIFICATIONS_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    client, _ = signed_in(make_gateway(provider, **env))
    down = client.get("/account/notifications?lang=en")
    assert down.status_code == 503 and "Nothing was changed." in text(down)
    assert client.get("/account/inbox?lang=en").status_code == 503


# --- what I took part in ---------------------------------------------------------------------------------------


def test_what_i_took_part_in_lists_my_proposals_supports_votes_challenges_and_panels(scene):
    app, _, ids, _ = scene
    client, _ = signed_in(app)
    page = text(client.get("/account/participation?lang=en"))
    assert f"/proposals/{ids['mine']}" in page and "Safer school streets" in page
    assert f"/proposals/{ids['supported']}" in page and "you support it since" in page
    assert "Small projects 2027" in page and "Your receipt code:" in page and "Not voted in" not in page
    assert "Voting is still open: you can change your vote." in page
    assert "Fietspunt Station vzw" in page and f"/challenges/{ids['challenge']}" in page
    assert "Draft: not sent yet" in page
    assert "How should the old station square be used?" in page
    assert "You are in the pool: you may be drawn for this panel." in page


def test_someone_who_took_part_in_nothing_sees_where_to_start(scene):
    app, *_ = scene
    client, _ = signed_in(app, MINOR)
    page = text(client.get("/account/participation?lang=en"))
    for empty in (
        "You have not submitted a proposal yet.",
        "You do not support any proposal yet.",
        "You have not voted on a citizens",
        "You are not part of a group that challenged a task of the municipality.",
        "You have not registered for a citizen panel.",
    ):
        assert empty in page


def test_a_service_that_is_down_leaves_the_rest_of_the_page(make_gateway, provider, services):
    proposals, notifications, challenges, panels = services
    my_scene(proposals, notifications, challenges, panels, person_id(provider))
    env = gateway_services(*services) | {"CHALLENGES_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    client, _ = signed_in(make_gateway(provider, **env))
    answer = client.get("/account/participation?lang=en")
    page = text(answer)
    assert answer.status_code == 200 and "We cannot show your challenges right now." in page
    assert "Safer school streets" in page and "Small projects 2027" in page
    download = client.get("/account/data/download?lang=en")
    assert download.status_code == 503 and download.mimetype == "text/html"
    assert "We did not make an incomplete file." in text(download)


# --- my data: download and deletion -----------------------------------------------------------------------------


def test_the_download_holds_everything_the_services_hold_and_nothing_of_the_login(scene):
    app, me, ids, _ = scene
    client, token = signed_in(app)
    draft = {"csrf_token": token, "action": "draft", "process_id": "mobility-2027", "title": "Half-written idea"}
    assert client.post("/proposals/new", data=draft).status_code == 302
    answer = client.get("/account/data/download")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="meemaken-my-data-')
    assert answer.headers["Cache-Control"] == "no-store"
    data = json.loads(answer.get_data(as_text=True))
    assert data["account"]["id"] == str(me) and data["account"]["roles"] == ["resident"]
    assert data["account"]["verified_facts"]["district"] == "centrum"
    assert data["account"]["first_login_at"] and data["account"]["verified_at_the_desk"] == []
    assert [p["id"] for p in data["proposals"]["written"]] == [ids["mine"]]
    assert [s["proposal"]["id"] for s in data["proposals"]["supported"]] == [ids["supported"]]
    assert [b["round"]["id"] for b in data["proposals"]["ballots"]] == [ids["round"]]
    assert data["proposals"]["ballots"][0]["ballot"]["projects"] == ["p1"]
    assert [c["id"] for c in data["challenges"]] == [ids["challenge"]]
    assert [r["panel_id"] for r in data["panels"]["registrations"]] == [ids["panel"]]
    assert data["notifications"]["contact"] is None and len(data["notifications"]["messages"]) == 1
    assert data["deletion_request"] is None
    assert [d["title"] for d in data["account"]["proposal_drafts"]] == ["Half-written idea"]
    raw = answer.get_data(as_text=True)
    for secret in ("Janssens", "anna.janssens@example.org", "900402"):
        assert secret not in raw, secret


def test_asking_for_deletion_needs_a_confirmation(scene):
    app, me, _, notifications = scene
    client, token = signed_in(app)
    save_email(client, token)
    page = text(client.get("/account/data/deletion?lang=en"))
    assert "What is deleted at once" in page and "What is not deleted at once" in page
    assert "they stay counted, so that the results stay right" in page
    unconfirmed = client.post("/account/data/deletion?lang=en", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "There is a problem" in text(unconfirmed) and 'href="#understood"' in text(unconfirmed)
    assert rows(app.extensions["gateway"].engine, "erasure_requests") == []
    assert contact_of(notifications, me).status_code == 200


def test_a_confirmed_request_deletes_contact_and_messages_is_recorded_and_stays_visibly_pending(scene):
    app, me, _, notifications = scene
    client, token = signed_in(app)
    save_email(client, token)
    asked = client.post("/account/data/deletion", data={"csrf_token": token, "understood": "yes"})
    assert asked.status_code == 302 and asked.headers["Location"] == "/account/data"
    page = text(client.get("/account/data?lang=en"))
    assert "We have recorded your request" in page
    assert "Your request to delete your data is pending." in page and "You asked on" in page
    assert "Deleted already" in page and "Not deleted yet" in page
    assert "Your votes on the citizens" in page and "the panel service deletes them itself" in page
    assert contact_of(notifications, me).status_code == 404
    recorded = rows(app.extensions["gateway"].engine, "erasure_requests")
    assert [r["person_id"] for r in recorded] == [str(me)]
    again = client.post("/account/data/deletion", data={"csrf_token": token, "understood": "yes"})
    assert again.status_code == 302 and len(rows(app.extensions["gateway"].engine, "erasure_requests")) == 1
    assert client.get("/account/data/deletion").status_code == 302  # nothing more to ask: the request is pending
    assert "We have recorded your request" not in text(client.get("/account/data?lang=en"))  # said once
    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    assert data["deletion_request"]["status"] == "pending" and data["notifications"]["contact"] is None
    assert data["notifications"]["messages"] == []
    assert "You have no messages yet." in text(client.get("/account/inbox?lang=en"))


def test_nothing_is_recorded_when_the_contact_cannot_be_deleted(make_gateway, provider, services):
    env = gateway_services(*services) | {"NOTIFICATIONS_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    app = make_gateway(provider, **env)
    client, token = signed_in(app)
    down = client.post("/account/data/deletion?lang=en", data={"csrf_token": token, "understood": "yes"})
    assert down.status_code == 503 and "nothing was deleted and your request was not recorded" in text(down)
    assert rows(app.extensions["gateway"].engine, "erasure_requests") == []


def test_a_long_list_says_that_the_download_has_them_all(make_gateway, provider, services):
    proposals, *_ = services
    me = person_id(provider)
    proposals.define("mobility-2027", "Mobility plan 2027", "adviseren")
    for n in range(51):
        proposals.submit("mobility-2027", f"Proposal number {n} about the streets", author=me)
    client, _ = signed_in(make_gateway(provider, **gateway_services(*services)))
    page = text(client.get("/account/participation?lang=en"))
    assert page.count("about the streets</a>") == 50
    assert "Only the latest 50 are shown here; the download of your data has them all." in page
    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    assert len(data["proposals"]["written"]) == 51
