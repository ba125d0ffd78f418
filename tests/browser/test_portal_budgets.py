"""The citizens' budget in real Chromium (Playwright), with axe-core on every page and state reached: the
rounds, a round, who may vote, the ballot of each form (approval with its running total and an over-budget
error, k-approval, cumulative points, ranking), the check page, the confirmation with its receipt code,
"you have already voted", and the results explained per project; nl, fr and en, desktop and phone (375 px),
from the keyboard and without JavaScript.

The stack runs in this process as in test_portal_proposals.py: the gateway and the real proposals service
(SQLite, over HTTP on loopback) and an OpenID provider (oidc-provider-mock). The scene counts a closed round
the way the tally consumer does. Screenshots go to /tmp/meemaken-screens/budget-*.png.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import werkzeug.serving

from meemaken_testkit.ports import free_port

pytestmark = pytest.mark.browser

GATEWAY_TESTS = Path(__file__).resolve().parents[2] / "services" / "gateway" / "tests"
SCREENS = Path("/tmp/meemaken-screens")
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}
RECEIPT = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}")


@dataclass
class Portal:
    url: str
    ids: dict[str, str]
    proposals: Any


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    sys.path.insert(0, str(GATEWAY_TESTS))
    from budget_testing import budget_scene
    from gateway_testing import _provider, gateway_env
    from portal_testing import ProposalsService

    from gateway.bootstrap import SERVICE, create_app
    from gateway.settings import GatewaySettings
    from meemaken_kit import Settings, make_engine, migrate

    folder = tmp_path_factory.mktemp("budgets")
    with _provider(timedelta(hours=1)) as issuer, ProposalsService(folder) as proposals:
        ids = budget_scene(proposals)
        port = free_port()
        url = f"sqlite:///{folder / 'gateway.sqlite'}"
        migrate(SERVICE.migrations_dir, url)
        env = gateway_env(issuer, PROPOSALS_BASE_URL=proposals.url, MEEMAKEN_PUBLIC_URL=f"http://127.0.0.1:{port}")
        app = create_app(
            Settings.from_env("gateway", {"DATABASE_URL": url}), make_engine(url), GatewaySettings.from_env(env)
        )
        server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield Portal(f"http://127.0.0.1:{port}", ids, proposals)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(2)


def context(browser: Any, lang: str, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
    return browser.new_context(locale=LOCALES[lang], viewport=viewport, bypass_csp=True, **options)


def visit(page: Any, url: str, name: str, accessible: Any) -> None:
    page.goto(url)
    checked(page, name, accessible)


def checked(page: Any, name: str, accessible: Any) -> None:
    """axe on the page as it is, no sideways scrolling, one h1, and a screenshot."""
    page.wait_for_load_state("load")
    accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
    assert page.locator("h1").count() == 1, name
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"budget-{name}.png"), full_page=True)


def log_in(page: Any, portal: Portal, who: str, next_path: str) -> None:
    page.goto(f"{portal.url}/login?next={next_path}")
    page.fill("input[name=sub]", who)  # the test provider's own form (not ours: no axe here)
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{portal.url}{next_path}*")


@pytest.mark.parametrize(
    ("lang", "viewport", "form"),
    [("nl", DESKTOP, "desktop"), ("fr", DESKTOP, "desktop"), ("en", DESKTOP, "desktop"), ("nl", PHONE, "phone")],
)
def test_the_rounds_a_round_and_the_results_pass_axe(browser, portal, accessible, lang, viewport, form):
    opened = context(browser, lang, viewport)
    page = opened.new_page()
    try:
        base, ids = portal.url, portal.ids
        visit(page, f"{base}/budgets?lang={lang}", f"list-{lang}-{form}", accessible)
        assert page.locator("html").get_attribute("lang") == lang
        visit(page, f"{base}/budgets/{ids['approval']}", f"round-{lang}-{form}", accessible)
        visit(page, f"{base}/budgets/{ids['results']}/results", f"results-{lang}-{form}", accessible)
        assert page.locator(".card--funded").count() == 4
        assert page.locator("a[download]").get_attribute("href").endswith("/pabulib")
    finally:
        opened.close()


def test_approval_with_a_running_total_an_error_a_check_and_a_receipt_in_dutch(browser, portal, accessible):
    rid = portal.ids["approval"]
    opened = context(browser, "nl")
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", f"/budgets/{rid}")
        checked(page, "round-eligible-nl", accessible)
        page.click("a:has-text('Stemmen')")
        page.wait_for_url(f"**/budgets/{rid}/ballot")
        checked(page, "ballot-approval-nl", accessible)
        for project in ("p1", "p2", "p3"):
            page.check(f"#project-{project}")
        page.click("button[value=total]")
        assert page.locator(".error-summary a").count() == 1  # over the city-wide budget
        assert page.locator("#part-city-error").count() == 1
        checked(page, "ballot-approval-error-nl", accessible)
        page.locator(".error-summary a").first.click()
        assert page.evaluate("document.activeElement.id") == "project-p1"
        page.uncheck("#project-p2")
        page.check("#project-p4")
        page.click("button[value=total]")
        assert "nog € 10.000 over" in page.locator(".running-total").inner_text().replace("\u00a0", " ")
        checked(page, "ballot-approval-total-nl", accessible)
        page.click("button[value=check]")
        page.wait_for_url(f"**/budgets/{rid}/ballot/check")
        checked(page, "check-approval-nl", accessible)
        page.click("button:has-text('Mijn stem uitbrengen')")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        checked(page, "voted-approval-nl", accessible)
        receipt = page.locator(".reference").inner_text()
        assert RECEIPT.fullmatch(receipt)
        page.goto(f"{portal.url}/budgets/{rid}")
        assert "Je hebt al gestemd in deze ronde." in page.content() and receipt in page.content()
        checked(page, "round-already-voted-nl", accessible)
    finally:
        opened.close()


def test_k_approval_in_french_from_the_keyboard(browser, portal, accessible):
    rid = portal.ids["k_approval"]
    opened = context(browser, "fr")
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", f"/budgets/{rid}/ballot")
        checked(page, "ballot-k-approval-fr", accessible)
        page.focus("#project-p1")
        for _ in range(3):  # tick all three with the space bar: one too many
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
        page.focus("button[value=check]")
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        assert "Vous pouvez choisir au maximum 2 projets" in page.locator(".error-summary").inner_text()
        checked(page, "ballot-k-approval-error-fr", accessible)
        page.focus("#project-p2")
        page.keyboard.press("Space")
        page.focus("button[value=check]")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/budgets/{rid}/ballot/check")
        checked(page, "check-k-approval-fr", accessible)
        page.focus("button:has-text('Émettre mon vote')")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        checked(page, "voted-k-approval-fr", accessible)
        assert "Votre vote est enregistré" in page.locator("h1").inner_text()
    finally:
        opened.close()


def test_cumulative_points_in_english_on_a_phone(browser, portal, accessible):
    rid = portal.ids["cumulative"]
    opened = context(browser, "en", PHONE)
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", f"/budgets/{rid}/ballot")
        checked(page, "ballot-cumulative-en-phone", accessible)
        page.fill("#points-p1", "8")
        page.fill("#points-p3", "5")
        page.click("button[value=check]")
        assert "You gave 13 points" in page.locator(".error-summary").inner_text()
        checked(page, "ballot-cumulative-error-en-phone", accessible)
        page.fill("#points-p3", "2")
        page.click("button[value=total]")
        assert "You gave 10 of your 10 points." in page.locator(".running-total").inner_text()
        page.click("button[value=check]")
        page.wait_for_url(f"**/budgets/{rid}/ballot/check")
        checked(page, "check-cumulative-en-phone", accessible)
        page.click("button:has-text('Cast my vote')")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        checked(page, "voted-cumulative-en-phone", accessible)
    finally:
        opened.close()


def test_ranking_in_dutch_on_a_phone_and_changing_the_vote(browser, portal, accessible):
    rid = portal.ids["ranking"]
    opened = context(browser, "nl", PHONE)
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", f"/budgets/{rid}/ballot")
        checked(page, "ballot-ranking-nl-phone", accessible)
        page.select_option("#rank-p1", "1")
        page.select_option("#rank-p2", "1")
        page.click("button[value=check]")
        assert page.locator("#rank-p1").get_attribute("aria-invalid") == "true"
        checked(page, "ballot-ranking-error-nl-phone", accessible)
        page.select_option("#rank-p2", "2")
        page.click("button[value=check]")
        page.click("button:has-text('Mijn stem uitbrengen')")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        first = page.locator(".reference").inner_text()
        page.goto(f"{portal.url}/budgets/{rid}/ballot")
        assert page.locator("#rank-p1").input_value() == "1"  # the vote as it stands
        checked(page, "ballot-ranking-again-nl-phone", accessible)
        page.select_option("#rank-p3", "1")
        page.select_option("#rank-p1", "2")
        page.select_option("#rank-p2", "")
        page.click("button[value=check]")
        checked(page, "check-ranking-replace-nl-phone", accessible)
        page.click("button:has-text('Mijn stem uitbrengen')")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        assert page.locator(".reference").inner_text() != first
        checked(page, "voted-ranking-replaced-nl-phone", accessible)
    finally:
        opened.close()


def test_a_minor_is_told_why_they_cannot_vote(browser, portal, accessible):
    rid = portal.ids["approval"]
    opened = context(browser, "en")
    page = opened.new_page()
    try:
        log_in(page, portal, "minor", f"/budgets/{rid}")
        checked(page, "round-minor-en", accessible)
        visit(page, f"{portal.url}/budgets/{rid}/ballot", "ineligible-minor-en", accessible)
        assert "You cannot vote online in this round" in page.locator("h1").inner_text()
    finally:
        opened.close()


def test_the_ballot_works_without_javascript(browser, portal):
    rid = portal.ids["approval"]
    opened = context(browser, "en", PHONE, java_script_enabled=False)
    page = opened.new_page()
    try:
        log_in(page, portal, "karel", f"/budgets/{rid}/ballot")  # a resident of noord: the noord project shows
        assert page.locator("#project-p6").count() == 1 and page.locator("#project-p4").count() == 0
        page.check("#project-p6")
        page.click("button[value=total]")
        assert "District: noord" in page.locator(".running-total").inner_text()
        page.click("button[value=check]")
        page.click("button:has-text('Cast my vote')")
        page.wait_for_url(f"**/budgets/{rid}/voted")
        assert RECEIPT.search(page.content())
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "budget-voted-en-no-js.png"), full_page=True)
    finally:
        opened.close()
