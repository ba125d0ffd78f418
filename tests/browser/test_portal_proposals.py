"""The portal's home and proposals journey in real Chromium (Playwright), with axe-core on every page and
state reached: nl, fr and en, desktop and phone (375 px), the proposal form at 320 px, and without
JavaScript.

The stack runs in this process: the gateway and the real proposals service (each on its own SQLite
database, served over HTTP on loopback, the gateway minting the tokens the service verifies) and an
OpenID provider (oidc-provider-mock) for the logins. Kafka is not needed: the scene admits proposals the
way the admissibility consumer does. Screenshots go to /tmp/meemaken-screens/portal-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import DESKTOP, NARROW, PHONE, SCREENS, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

screens = Screens("portal")
visit, checked = screens.visit, screens.checked


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    from portal_testing import ProposalsService, demo_scene

    folder = tmp_path_factory.mktemp("portal")
    with provider() as issuer, ProposalsService(folder) as proposals:
        ids = demo_scene(proposals)
        with serve_gateway(folder, issuer, PROPOSALS_BASE_URL=proposals.url) as url:
            yield Portal(url, ids, proposals=proposals)


@pytest.mark.parametrize(
    ("lang", "viewport", "form"),
    [
        ("nl", DESKTOP, "desktop"),
        ("fr", DESKTOP, "desktop"),
        ("en", DESKTOP, "desktop"),
        ("nl", PHONE, "phone"),
        ("en", PHONE, "phone"),
    ],
)
def test_every_public_page_passes_axe_in_each_language_and_on_a_phone(
    browser, portal, accessible, lang, viewport, form
):
    opened = context(browser, lang, viewport)
    page = opened.new_page()
    try:
        base, ids = portal.url, portal.ids
        visit(page, f"{base}/?lang={lang}", f"home-{lang}-{form}", accessible)
        assert page.locator("html").get_attribute("lang") == lang
        visit(page, f"{base}/proposals", f"list-{lang}-{form}", accessible)
        visit(page, f"{base}/proposals?q=submarine", f"list-empty-{lang}-{form}", accessible)
        visit(page, f"{base}/proposals/{ids['open']}", f"open-{lang}-{form}", accessible)
        visit(page, f"{base}/proposals/{ids['answered']}", f"answered-{lang}-{form}", accessible)
        visit(page, f"{base}/proposals/{ids['rejected']}", f"rejected-{lang}-{form}", accessible)
        visit(page, f"{base}/proposals/00000000-0000-4000-8000-000000000000", f"missing-{lang}-{form}", accessible)
    finally:
        opened.close()


def test_the_filters_work_from_the_keyboard(browser, portal, accessible):
    opened = context(browser, "en")
    page = opened.new_page()
    try:
        page.goto(f"{portal.url}/proposals?lang=en")
        page.keyboard.press("Tab")  # the skip link comes first
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        page.focus("#q")
        page.keyboard.type("benches")
        page.select_option("#status", "answered")
        page.keyboard.press("Enter")
        page.wait_for_url("**/proposals?q=benches&process=&status=answered")
        assert page.locator(".card").count() == 1
        checked(page, "list-filtered-en", accessible)
    finally:
        opened.close()


def test_a_resident_writes_a_draft_checks_and_sends_a_proposal_on_a_narrow_phone(browser, portal, accessible):
    opened = context(browser, "nl", NARROW)
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", "/proposals/new")
        checked(page, "form-nl-320", accessible)
        page.click("button[value=check]")  # nothing filled in
        assert page.locator(".error-summary a").count() == 3
        assert page.locator("#title").get_attribute("aria-invalid") == "true"
        checked(page, "form-errors-nl-320", accessible)
        page.locator(".error-summary a[href='#title']").click()  # the summary leads to the field
        assert page.evaluate("document.activeElement.id") == "title"
        page.select_option("#process_id", "parks-2027")
        page.fill("#title", "Drinking water in the north park")
        page.click("button[value=draft]")
        assert page.locator("[role=status]").count() == 1
        checked(page, "form-draft-nl-320", accessible)
        page.fill("#text", "A drinking fountain near the playground, so that children and walkers can drink.")
        page.click("button[value=check]")
        page.wait_for_url("**/proposals/new/check?draft=*")
        checked(page, "check-nl-320", accessible)
        page.click("button:has-text('Mijn voorstel versturen')")
        page.wait_for_url("**/sent")
        checked(page, "sent-nl-320", accessible)
        assert "Je voorstel is verstuurd" in page.locator("h1").inner_text()
    finally:
        opened.close()


def test_a_resident_supports_once_and_someone_from_elsewhere_is_told_why_not(browser, portal, accessible):
    proposal = portal.proposals.submit("mobility-2027", "A bicycle street along the canal")
    portal.proposals.admit(proposal)
    resident = context(browser, "en")
    page = resident.new_page()
    try:
        log_in(page, portal, "anna", f"/proposals/{proposal}")
        checked(page, "support-before-en", accessible)
        page.click("button:has-text('I support this proposal')")
        page.wait_for_url(f"**/proposals/{proposal}*")
        assert "Thank you: your support is counted." in page.content()
        checked(page, "support-thanks-en", accessible)
        assert page.locator("button:has-text('I support this proposal')").count() == 0
    finally:
        resident.close()
    visitor = context(browser, "fr")
    page = visitor.new_page()
    try:
        log_in(page, portal, "visitor", f"/proposals/{proposal}")
        page.click("button:has-text('Je soutiens cette proposition')")
        checked(page, "support-refused-fr", accessible)
        assert "Vous ne pouvez pas soutenir cette proposition" in page.locator("h1").inner_text()
    finally:
        visitor.close()
    assert portal.proposals.get(proposal)["supporters"] == 1


def test_the_pages_work_without_javascript(browser, portal):
    opened = context(browser, "en", PHONE, java_script_enabled=False)
    page = opened.new_page()
    try:
        page.goto(f"{portal.url}/proposals?lang=en")
        page.select_option("#process", "parks-2027")
        page.click("button:has-text('Show proposals')")
        page.wait_for_url("**/proposals?q=&process=parks-2027&status=")
        assert "A playground in the north park" in page.content()
        log_in(page, portal, "anna", "/proposals/new")
        page.select_option("#process_id", "mobility-2027")
        page.fill("#title", "Lights on the footpath to the station")
        page.fill("#text", "The footpath is dark in winter; lights would make walking home safer for everyone.")
        page.click("button[value=check]")
        page.click("button:has-text('Send my proposal')")
        page.wait_for_url("**/sent")
        assert "Your proposal has been sent" in page.content()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "portal-sent-en-no-js.png"), full_page=True)
    finally:
        opened.close()
