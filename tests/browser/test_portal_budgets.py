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
from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import DESKTOP, PHONE, SCREENS, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

RECEIPT = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}")
screens = Screens("budget")
visit, checked = screens.visit, screens.checked


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    from budget_testing import budget_scene
    from portal_testing import ProposalsService

    folder = tmp_path_factory.mktemp("budgets")
    with provider() as issuer, ProposalsService(folder) as proposals:
        ids = budget_scene(proposals)
        with serve_gateway(folder, issuer, PROPOSALS_BASE_URL=proposals.url) as url:
            yield Portal(url, ids, proposals=proposals)


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
