"""Citizen panels in real Chromium (Playwright), with axe-core on every page and state reached: the panels, a
panel's public page (composition against the quotas, sessions, recommendations and the municipality's answer),
the draw replay page, answering an invitation letter with its code (the form's error summary, the confirmation,
the eligibility check's outcome); Dutch on a desktop, French on a 320 px phone without JavaScript, English.

The stack runs in this process as in test_portal_budgets.py: the gateway and the real panels service (SQLite,
over HTTP on loopback, the gateway minting the tokens the service verifies) and an OpenID provider
(oidc-provider-mock) for the login. The scene does the panels worker's jobs (the eligibility check, the
lottery) by calling its handlers. Screenshots go to /tmp/meemaken-screens/panels-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import NARROW, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

screens = Screens("panels")
visit, checked = screens.visit, screens.checked


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    from panel_testing import PanelsService, panel_scene

    folder = tmp_path_factory.mktemp("panels")
    with provider() as issuer, PanelsService(folder) as panels:
        ids = panel_scene(panels)
        with serve_gateway(folder, issuer, PANELS_BASE_URL=panels.url) as url:
            yield Portal(url, ids, panels=panels)


def test_answering_an_invitation_letter_in_dutch(browser, portal, accessible):
    """The journey: the panels, a panel, the letter's code, an error, the confirmation, the check's outcome."""
    opened = context(browser, "nl")
    page = opened.new_page()
    try:
        base, panel = portal.url, portal.ids["open"]
        visit(page, f"{base}/panels", "list-nl", accessible)
        assert page.locator("html").get_attribute("lang") == "nl"
        page.click("a:has-text('A greener city centre')")
        page.wait_for_url(f"**/panels/{panel}")
        checked(page, "panel-recruiting-nl", accessible)
        assert page.locator("table.composition").count() == 2
        log_in(page, portal, "anna", f"/panels/{panel}")
        checked(page, "panel-recruiting-signed-in-nl", accessible)
        page.click("a:has-text('Ik heb een uitnodigingsbrief')")
        page.wait_for_url(f"**/panels/{panel}/register?letter=1")
        checked(page, "register-nl", accessible)
        page.click("button:has-text('Inschrijven')")
        page.wait_for_load_state("load")
        assert page.locator(".error-summary a").count() == 4  # code, gender, address, consent
        checked(page, "register-errors-nl", accessible)
        page.locator(".error-summary a").first.click()
        assert page.evaluate("document.activeElement.id") == "invitation_code"
        page.fill("#invitation_code", "GROEN-0002")
        page.select_option("#feature_0", "female")
        page.fill("#address", "Kerkstraat 1, 1000")
        page.check("#consent")
        page.click("button:has-text('Inschrijven')")
        page.wait_for_url(f"**/panels/{panel}/registration?sent=1")
        checked(page, "registered-nl", accessible)
        assert "Bedankt voor je inschrijving" in page.locator("h1").inner_text()
        assert portal.panels.check_waiting(panel) == ["admitted"]  # the eligibility consumer's work
        page.goto(f"{base}/panels/{panel}/registration")
        checked(page, "registration-admitted-nl", accessible)
        assert "Je doet mee aan de loting." in page.content()
    finally:
        opened.close()


def test_the_panel_at_work_and_the_draw_replay_page_in_english(browser, portal, accessible):
    opened = context(browser, "en")
    page = opened.new_page()
    try:
        base, panel = portal.url, portal.ids["drawn"]
        visit(page, f"{base}/panels/{panel}?lang=en", "panel-at-work-en", accessible)
        assert "Partly adopted" in page.content() and page.locator("table.composition").count() == 2
        page.click("a:has-text('How the panel is drawn, and how to check it')")
        page.wait_for_url(f"**/panels/{panel}/draw")
        checked(page, "draw-en", accessible)
        assert "meemaken-sortition replay draw.json --seed" in page.locator("pre.command").last.inner_text()
        page.click("summary")
        checked(page, "draw-codes-en", accessible)
        visit(page, f"{base}/panels/{portal.ids['open']}/draw", "draw-not-yet-en", accessible)
        visit(page, f"{base}/panels/invitation", "invitation-en", accessible)
    finally:
        opened.close()


def test_french_on_a_narrow_phone(browser, portal, accessible):
    """320 px wide: every panel page reflows without sideways scrolling (the tables and hashes included)."""
    opened = context(browser, "fr", NARROW)
    page = opened.new_page()
    try:
        base = portal.url
        visit(page, f"{base}/panels?lang=fr", "list-fr-narrow", accessible)
        visit(page, f"{base}/panels/{portal.ids['drawn']}", "panel-at-work-fr-narrow", accessible)
        assert "Adoptée en partie" in page.content()
        visit(page, f"{base}/panels/{portal.ids['drawn']}/draw", "draw-fr-narrow", accessible)
        log_in(page, portal, "anna", f"/panels/{portal.ids['letters']}/register?letter=1")
        checked(page, "register-fr-narrow", accessible)
        assert "Code sur votre carte-réponse" in page.content()
    finally:
        opened.close()


def test_registering_works_without_javascript(browser, portal):
    opened = context(browser, "en", NARROW, java_script_enabled=False)
    page = opened.new_page()
    try:
        panel = portal.ids["open"]
        log_in(page, portal, "karel", f"/panels/{panel}/register?lang=en")
        page.select_option("#feature_0", "male")
        page.fill("#address", "Kerkstraat 3, 1000")
        page.check("#consent")
        page.click("button:has-text('Register')")
        page.wait_for_url(f"**/panels/{panel}/registration?sent=1")
        checked(page, "registered-no-js-en", None)
        assert "Thank you for registering" in page.locator("h1").inner_text()
    finally:
        opened.close()
