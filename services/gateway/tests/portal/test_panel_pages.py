"""Citizen panels in the portal against the real panels service: the panels by stage; a panel's public page
(its mandate, the composition against the quotas with small cells suppressed, sessions, recommendations and
the municipality's answer with its deadline); the draw replay page (commitment, seed, number and the commands
that check it); answering an invitation letter with its code, the registration form asking only what the
quotas need, its errors, the confirmation and the eligibility check's outcome; registration refused for a login
that lacks a fact, closed registration, unknown panels and a service that is down."""

from __future__ import annotations

import hashlib
import re

import pytest
from gateway_testing import ANNA, NOBODY_KNOWN, login
from panel_testing import CODES, SEED, PanelsService, panel_scene

from meemaken_testkit.ports import free_port


@pytest.fixture()
def panels_service(tmp_path):
    folder = tmp_path / "panels"
    folder.mkdir()
    with PanelsService(folder) as service:
        yield service


@pytest.fixture()
def scene(make_gateway, provider, panels_service):
    ids = panel_scene(panels_service)
    app = make_gateway(provider, PANELS_BASE_URL=panels_service.url)
    return app, panels_service, ids


def words(response):
    """The page's text with its whitespace collapsed (a sentence may wrap in the template)."""
    return " ".join(response.get_data(as_text=True).split())


def signed_in(app, who=ANNA):
    client = app.test_client()
    login(client, who)
    return client


def form_of(page):
    """The registration form's CSRF token and nonce."""
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    nonce = re.search(r'name="nonce" value="([0-9a-f]{32})"', html)
    assert token and nonce, html
    return {"csrf_token": token[1], "nonce": nonce[1]}


# --- the panels and a panel ------------------------------------------------------------------------------


def test_the_list_groups_panels_by_stage_and_is_in_the_navigation(scene):
    app, _, ids = scene
    page = words(app.test_client().get("/panels?lang=en"))
    assert "Registration open" in page and "Under way" in page and "Ended, with the municipality" in page
    assert "A greener city centre" in page and "The old station square" in page and "No panel has ended yet." in page
    assert f"/panels/{ids['open']}" in page and "6 members" in page and "Your influence: Advise" in page
    assert 'href="/panels/invitation"' in page
    assert '<a href="/panels" aria-current="page">Citizen panels</a>' in page
    dutch = words(app.test_client().get("/panels?lang=nl"))
    assert "Burgerpanels" in dutch and "6 leden" in dutch
    assert "Panels citoyens" in words(app.test_client().get("/panels?lang=fr"))


def test_a_panel_in_recruitment_says_who_may_take_part_and_how_to_register(scene):
    app, _, ids = scene
    page = words(app.test_client().get(f"/panels/{ids['open']}?lang=en"))
    assert "How do we make the city centre greener and cooler?" in page and "follows your advice" in page
    assert "Members are at least 16 years old." in page and "At most one member per household." in page
    assert "Every resident can register." in page and 'aria-current="step"' in page
    assert f"/login?next=/panels/{ids['open']}/register" in page
    letters = words(app.test_client().get(f"/panels/{ids['letters']}?lang=en"))
    assert "Only residents who received an invitation letter can register" in letters
    assert f"/login?next=/panels/{ids['letters']}/register?letter%3D1" in letters
    assert "Getting to know each other and the question" in page  # the session plan before any session


def test_the_composition_sets_quotas_beside_the_panel_and_the_pool_anonymised(scene):
    app, service, ids = scene
    page = words(app.test_client().get(f"/panels/{ids['drawn']}?lang=en"))
    assert "<caption" in page and "Gender" in page and "Age" in page
    assert '<th scope="row">female</th> <td>3</td> <td>3</td> <td>12</td>' in page  # quota, panel, pool
    assert "On the panel" in page and "outside the quota" not in page
    assert '<th scope="col">Residents</th>' not in page  # no register extract: no population to compare with
    recruiting = words(app.test_client().get(f"/panels/{ids['open']}?lang=en"))
    assert "On the panel" not in recruiting and '<th scope="row">female</th> <td>3</td> <td>0</td>' in recruiting
    assert '<th scope="col">Residents</th>' in recruiting  # the register extract: 2 of 4 women, suppressed
    assert "<td>0</td> <td>fewer than 5</td>" in recruiting
    for pseudonym in service.get(f"/{ids['drawn']}")["selected"]:
        assert pseudonym not in page  # the public page names nobody, not even by pseudonym


def test_small_cells_are_shown_as_fewer_than_five(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register")) | {
        "feature_0": "female",
        "address": "Kerkstraat 1, 1000",
        "consent": "y",
    }
    assert client.post(f"/panels/{ids['open']}/register", data=data).status_code == 302
    assert service.check(ids["open"], _pseudonym(service, ids["open"])) == "admitted"
    page = words(app.test_client().get(f"/panels/{ids['open']}?lang=en"))
    assert '<th scope="row">female</th> <td>3</td> <td>fewer than 5</td>' in page  # one admitted: suppressed
    assert '<th scope="row">male</th> <td>3</td> <td>0</td>' in page
    assert "minder dan 5" in words(app.test_client().get(f"/panels/{ids['open']}?lang=nl"))


def test_sessions_recommendations_and_the_answer_with_its_deadline(scene):
    app, _, ids = scene
    page = words(app.test_client().get(f"/panels/{ids['drawn']}?lang=en"))
    assert "Session 1: Experts and witnesses" in page and "Stichting Samen Praten" in page
    assert "Dr. Lena Vos, urban heat" in page and "Heat map of the city centre" in page
    assert "Plant forty trees on the square." in page and "5 members for, 1 against, 0 abstained" in page
    assert "Keep room for the market." in page and "Partly adopted" in page and "Thirty trees fit" in page
    assert "Close the square to cars on Sundays." in page and "Not answered yet. Due by" in page
    assert "The municipality answers each recommendation by" in page
    assert "The most active fifth of the members spoke" in page
    dutch = words(app.test_client().get(f"/panels/{ids['drawn']}?lang=nl"))
    assert "Gedeeltelijk overgenomen" in dutch and "Aanbeveling 1" in dutch


# --- the draw --------------------------------------------------------------------------------------------


def test_the_draw_page_shows_the_commitment_the_seed_the_number_and_how_to_check_them(scene):
    app, service, ids = scene
    panel = service.get(f"/{ids['drawn']}")
    page = app.test_client().get(f"/panels/{ids['drawn']}/draw?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and panel["commitment"] in html and "Raadzaal, 3 november: 4-7-1" in html
    number = int(hashlib.sha256(f"{panel['commitment']}:{SEED}".encode()).hexdigest(), 16) % 50 + 1
    assert panel["drawn_number"] == number and f"<strong>{number}</strong> of 50" in html
    assert f'href="/api/panels/v1/panels/{ids["drawn"]}/artefacts"' in html
    assert f"curl -s http://localhost/api/panels/v1/panels/{ids['drawn']}/artefacts &gt; draw.json" in html
    assert "meemaken-sortition replay draw.json --seed &#39;Raadzaal, 3 november: 4-7-1&#39;" in html
    for member in panel["selected"]:
        assert member in html


def test_the_seed_command_on_the_page_gives_the_drawn_number(scene):
    import html as markup
    import shlex
    import subprocess
    import sys

    app, service, ids = scene
    page = app.test_client().get(f"/panels/{ids['drawn']}/draw?lang=en").get_data(as_text=True)
    command = markup.unescape(re.search(r"<code>(python3 -c .+?)</code>", page, re.S)[1])
    argv = shlex.split(command)
    ran = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, check=True, timeout=30)
    assert int(ran.stdout) == service.get(f"/{ids['drawn']}")["drawn_number"]


def test_the_replay_command_checks_the_published_artefacts(scene, tmp_path):
    import subprocess
    import sys

    app, service, ids = scene
    artefacts = app.test_client().get(f"/api/panels/v1/panels/{ids['drawn']}/artefacts")
    assert artefacts.status_code == 200  # through the gateway's pass-through, anonymously
    (tmp_path / "draw.json").write_bytes(artefacts.data)
    replay = [sys.executable, "-m", "panels.sortition_cli", "replay", str(tmp_path / "draw.json"), "--seed", SEED]
    ran = subprocess.run(replay, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "verified" in ran.stdout and ", ".join(sorted(service.get(f"/{ids['drawn']}")["selected"])) in ran.stdout


def test_before_the_lottery_the_draw_page_says_what_will_be_published(scene):
    app, _, ids = scene
    page = words(app.test_client().get(f"/panels/{ids['open']}/draw?lang=en"))
    assert "The draw has not been prepared yet." in page and "meemaken-sortition" not in page


# --- answering a letter and registering ------------------------------------------------------------------


def test_the_invitation_page_lists_the_panels_taking_registrations(scene):
    app, _, ids = scene
    page = words(app.test_client().get("/panels/invitation?lang=en"))
    assert "Which panel is your letter about?" in page
    assert f"/panels/{ids['open']}/register?letter=1" in page and f"/panels/{ids['letters']}/register?letter=1" in page
    assert f"/panels/{ids['drawn']}/register" not in page


def test_registering_needs_a_login(scene):
    app, _, ids = scene
    answer = app.test_client().get(f"/panels/{ids['open']}/register?letter=1")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/login?next=/panels/{ids['open']}/register%3Fletter%3D1"


def test_the_form_asks_only_what_the_quotas_need_with_the_privacy_notice(scene):
    app, _, ids = scene
    client = signed_in(app)
    page = client.get(f"/panels/{ids['open']}/register?letter=1&lang=en")
    html = words(page)
    assert page.status_code == 200 and "What we ask, and what we do with it" in html
    assert "Your age and district come from your login" in html
    assert 'id="invitation_code"' in html and 'id="feature_0"' in html and 'id="address"' in html
    assert '<option value="female">female</option>' in html and 'name="consent"' in html
    assert "age_band" not in html and "16-39" not in html  # the age band comes from the login, not asked
    assert "e-mail" not in html.lower() and "birth" not in html.lower()


def test_errors_are_summarised_and_nothing_is_sent(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register?letter=1")) | {"letter": "1", "invitation_code": "X"}
    page = client.post(f"/panels/{ids['open']}/register?lang=en", data=data)
    html = words(page)
    assert page.status_code == 422 and "There is a problem" in html
    assert 'href="#invitation_code"' in html and "The code has between 4 and 100 characters." in html
    assert 'href="#feature_0"' in html and "Choose an answer for “gender”." in html
    assert 'href="#address"' in html and "Enter your address." in html
    assert 'href="#consent"' in html and "Tick the box to agree, or do not register." in html
    assert "<title>Error: Register for the citizen panel" in page.get_data(as_text=True)
    assert service.client.get(f"/api/v1/panels/{ids['open']}").get_json()["pool"] == {}


def test_a_letter_only_panel_needs_the_code(scene):
    app, _, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['letters']}/register")) | {
        "feature_0": "male",
        "address": "Kerkstraat 2, 1000",
        "consent": "y",
    }
    page = client.post(f"/panels/{ids['letters']}/register?lang=en", data=data)
    assert page.status_code == 422 and "Enter the code printed on your reply card." in words(page)


def test_answering_a_letter_registers_with_the_code_and_shows_the_outcome(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register?letter=1")) | {
        "letter": "1",
        "invitation_code": f"  {CODES[1].lower()} ",
        "feature_0": "female",
        "address": "Kerkstraat 1, 1000",
        "consent": "y",
    }
    sent = client.post(f"/panels/{ids['open']}/register", data=data)
    assert sent.status_code == 302 and sent.headers["Location"] == f"/panels/{ids['open']}/registration?sent=1"
    again = client.post(f"/panels/{ids['open']}/register", data=data)  # a double click: the same answer, once
    assert again.status_code == 302
    confirmation = words(client.get(sent.headers["Location"] + "&lang=en"))
    assert "Thank you for registering" in confirmation and "We check whether you can take part" in confirmation
    pool = service.client.get(f"/api/v1/panels/{ids['open']}").get_json()["pool"]
    assert pool == {"registered": {"letter": 1}}
    respondent = service.get(f"/{ids['open']}/registrations/{_pseudonym(service, ids['open'])}")
    assert respondent["channel"] == "letter"
    assert service.check(ids["open"], respondent["pseudonym"]) == "admitted"
    admitted = words(client.get(f"/panels/{ids['open']}/registration?lang=en"))
    assert "You are in the draw." in admitted
    assert "Je doet mee aan de loting." in words(client.get(f"/panels/{ids['open']}/registration?lang=nl"))
    panel = words(client.get(f"/panels/{ids['open']}?lang=en"))
    assert "See your registration" in panel
    back = client.get(f"/panels/{ids['open']}/register")
    assert back.status_code == 302 and back.headers["Location"].endswith("/registration")


def test_a_code_nobody_drew_is_refused_with_the_reason(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register?letter=1")) | {
        "letter": "1",
        "invitation_code": "NOT-A-CODE",
        "feature_0": "male",
        "address": "Kerkstraat 9, 1000",
        "consent": "y",
    }
    assert client.post(f"/panels/{ids['open']}/register", data=data).status_code == 302
    assert service.check(ids["open"], _pseudonym(service, ids["open"])) == "refused"
    page = words(client.get(f"/panels/{ids['open']}/registration?lang=en"))
    assert "You cannot take part in this panel." in page and "We found no invitation letter with this code." in page
    french = words(client.get(f"/panels/{ids['open']}/registration?lang=fr"))
    assert "aucune lettre" in french and "avec ce code" in french


def test_a_code_already_answered_is_an_error_at_the_field(scene, make_gateway, provider):
    app, service, ids = scene
    from meemaken_testkit.tokens import bearer

    first = {"channel": "letter", "invitation_code": CODES[0], "consent": True, "address": "Kerkstraat 0"}
    service.post(
        f"/{ids['open']}/registrations",
        first | {"strata": {"gender": "male"}},
        bearer("panels", "resident", attrs={"age": 61, "resident": True}),
    )
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register?letter=1")) | {
        "letter": "1",
        "invitation_code": CODES[0],
        "feature_0": "male",
        "address": "Kerkstraat 0, 1000",
        "consent": "y",
    }
    page = client.post(f"/panels/{ids['open']}/register?lang=en", data=data)
    assert page.status_code == 409 and "Someone already registered with this code." in words(page)
    assert 'href="#invitation_code"' in words(page)


def test_open_registration_without_a_letter(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register")) | {
        "feature_0": "female",
        "address": "Kerkstraat 5, 1000",
        "consent": "y",
    }
    assert client.post(f"/panels/{ids['open']}/register", data=data).status_code == 302
    pseudonym = _pseudonym(service, ids["open"])
    assert service.get(f"/{ids['open']}/registrations/{pseudonym}")["channel"] == "open"


def test_a_login_without_age_or_residence_is_told_what_to_do_before_the_form(scene):
    app, _, ids = scene
    client = signed_in(app, NOBODY_KNOWN)
    page = client.get(f"/panels/{ids['open']}/register?lang=en")
    html = words(page)
    assert page.status_code == 403 and "You cannot register online" in html
    assert "Your login does not tell us where you live or how old you are." in html
    assert "municipality's desk with your identity card" in html


def test_registration_after_the_pool_closed_is_a_clear_page(scene):
    app, _, ids = scene
    client = signed_in(app)
    page = client.get(f"/panels/{ids['drawn']}/register?lang=en")
    assert page.status_code == 409 and "Registration has closed" in words(page)


def test_unknown_panels_and_a_service_that_is_down_are_pages(scene, make_gateway, provider):
    app, _, _ = scene
    missing = app.test_client().get("/panels/00000000-0000-4000-8000-000000000000?lang=en")
    assert missing.status_code == 404 and "Citizen panel not found" in words(missing)
    draw = app.test_client().get("/panels/00000000-0000-4000-8000-000000000000/draw?lang=en")
    assert draw.status_code == 404
    down = make_gateway(provider, PANELS_BASE_URL=f"http://127.0.0.1:{free_port()}").test_client()
    listed = down.get("/panels?lang=en")
    assert listed.status_code == 503 and "We cannot show the citizen panels right now." in words(listed)
    one = down.get("/panels/00000000-0000-4000-8000-000000000000?lang=en")
    assert one.status_code == 503 and "The citizen panels service does not answer." in words(one)
    invitation = down.get("/panels/invitation?lang=en")
    assert invitation.status_code == 503


def _pseudonym(service, panel_id):
    """The one respondent in the panel's pool (the signed-in resident's registration)."""
    [pseudonym] = service.pseudonyms(panel_id)
    return pseudonym


def test_the_home_page_links_a_panel_process_to_the_panels(make_gateway, provider, proposals_service, panels_service):
    proposals_service.define("panel-2027", "Citizen panel: a greener city centre", "adviseren", kind="panel")
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url, PANELS_BASE_URL=panels_service.url)
    page = words(app.test_client().get("/?lang=en"))
    assert '<a class="utrecht-link" href="/panels">See the citizen panels and how to take part' in page
    assert "Bekijk de burgerpanels en hoe je meedoet" in words(app.test_client().get("/?lang=nl"))


def test_a_new_login_finds_the_registration_and_registering_twice_adds_nothing(scene):
    app, service, ids = scene
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{ids['open']}/register")) | {
        "feature_0": "female",
        "address": "Kerkstraat 7, 1000",
        "consent": "y",
    }
    assert client.post(f"/panels/{ids['open']}/register", data=data).status_code == 302
    later = signed_in(app)  # another login session: the service finds the registration from the login
    assert "See your registration" in words(later.get(f"/panels/{ids['open']}?lang=en"))
    assert "We check whether you can take part" in words(later.get(f"/panels/{ids['open']}/registration?lang=en"))
    form = later.get(f"/panels/{ids['open']}/register")
    assert form.status_code == 302 and form.headers["Location"] == f"/panels/{ids['open']}/registration"
    token = re.search(r'name="csrf-token" content="([^"]+)"', later.get("/panels").get_data(as_text=True))[1]
    again = later.post(f"/panels/{ids['open']}/register", data=data | {"nonce": "f" * 32, "csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"] == f"/panels/{ids['open']}/registration"
    assert service.client.get(f"/api/v1/panels/{ids['open']}").get_json()["pool"] == {"registered": {"open": 1}}
    others = words(app.test_client().get(f"/panels/{ids['open']}?lang=en"))
    assert "See your registration" not in others


def test_the_registration_shows_the_chance_after_the_lottery_and_the_outcome_after_the_draw(scene):
    app, service, _ids = scene
    panel = service.set_up("The market hall", question="What should happen to the old market hall?")
    client = signed_in(app)
    data = form_of(client.get(f"/panels/{panel}/register")) | {
        "feature_0": "female",
        "address": "Marktstraat 1, 1000",
        "consent": "y",
    }
    assert client.post(f"/panels/{panel}/register", data=data).status_code == 302
    assert service.check_waiting(panel) == ["admitted"]
    mine = _pseudonym(service, panel)
    service.fill(panel, 23)
    from panels.service_layer.handlers import compute_lottery

    service.post(f"/{panel}/close")
    service.post(f"/{panel}/lottery", {"panels": 50})
    compute_lottery(service.uow())
    chance = service.client.get(f"/api/v1/panels/{panel}/probabilities/{mine}").get_json()
    page = words(client.get(f"/panels/{panel}/registration?lang=en"))
    assert f"Your chance of being drawn is {round(chance['probability'] * 100, 1):g}%." in page
    drawn = service.post(f"/{panel}/draw", {"number": 1})
    page = words(client.get(f"/panels/{panel}/registration?lang=en"))
    if mine in drawn["selected"]:
        assert "You were drawn as a member of the panel." in page
    elif mine in drawn["alternate_members"]:
        assert "You were drawn as an alternate." in page
    else:
        assert "You were not drawn this time." in page
    draw = words(app.test_client().get(f"/panels/{panel}/draw?lang=en"))
    assert "meemaken-sortition replay draw.json --number 1" in draw and "Public seed" not in draw
