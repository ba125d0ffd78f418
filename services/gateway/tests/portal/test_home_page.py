"""Home: the open processes with their rung in plain words and their deadline, what is coming, and "you said,
we did"; in the visitor's language; an empty and an unavailable state. The proposals service is real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from portal_testing import demo_scene

from meemaken_testkit.ports import free_port


@pytest.fixture()
def portal(make_gateway, provider, proposals_service):
    ids = demo_scene(proposals_service)
    return make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url).test_client(), ids


def test_home_shows_open_processes_with_their_rung_promise_and_deadline_in_dutch(portal):
    client, _ = portal
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Praat mee in Gemeente Demo" in page
    assert "Mobility plan 2027" in page and "Greener parks" in page
    assert "Adviseren." in page and "De gemeente volgt je advies, of legt openbaar uit waarom niet." in page
    assert "Meebeslissen." in page and "De gemeente voert uit wat bewoners kiezen." in page
    deadline = format_date(datetime.now(UTC) + timedelta(days=30), "long", locale="nl")
    assert f">{deadline}</time>" in page
    assert "Binnenkort" in page and "Citizens&#39; budget 2028" in page  # not open yet: under "coming soon"
    assert "Jullie zeiden, wij deden" in page and "More benches on the market square" in page
    assert "De gemeente neemt dit voorstel over." in page and "3 bewoners steunden het." in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert '<a href="/login">' in page  # from home, logging in lands on the account page
    assert '<a href="/login?next=/proposals?status%3Danswered">' in text_of(client.get("/proposals?status=answered"))


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("fr", ["Donnez votre avis", "Conseiller.", "Codécider.", "Vous l'avez dit, nous l'avons fait"]),
        ("en", ["Have your say in Demo municipality", "Advise.", "Co-decide.", "You said, we did"]),
    ],
)
def test_home_speaks_french_and_english(portal, lang, says):
    client, _ = portal
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for text in says:
        assert text in page


def test_home_without_processes_says_so(make_gateway, provider, proposals_service):
    page = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url).test_client().get("/?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nothing is open right now." in text and "The municipality has not answered any proposals yet." in text


def test_home_explains_when_the_proposals_service_is_down(make_gateway, provider):
    client = make_gateway(provider, PROPOSALS_BASE_URL=f"http://127.0.0.1:{free_port()}").test_client()
    page = client.get("/?lang=en")
    assert page.status_code == 200  # the front door stays open; it says what it cannot show
    assert "We cannot show the open processes right now." in page.get_data(as_text=True)


def test_the_theme_gives_the_name_logo_and_colours(make_gateway, provider, proposals_service):
    client = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url).test_client()
    css = client.get("/theme.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--meemaken-color-primary: #1b4f8a;" in css.get_data(as_text=True)
    logo = client.get("/theme/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml"
    assert client.get("/static/vendor/nlds.css").status_code == 200  # built from the npm packages, served here


def text_of(response):
    return response.get_data(as_text=True)
