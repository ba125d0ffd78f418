"""The officials' proposal actions in real Chromium (Playwright), with axe-core on every page and state:
the list of proposals awaiting an answer, an answer template kept and used, a bulk answer to three
proposals with one refused (the official's role holds for another process), a decline with its error
summary and confirmation, merge and split forms; in English and French, desktop and phone, and the whole
bulk answer without JavaScript at 320 px in Dutch.

The stack runs in this process (portal_stack): the gateway and the real proposals service on SQLite over
HTTP, and the test OpenID provider with its officials (lotte: case officer for mobility-2027). Screenshots
go to /tmp/meemaken-screens/proposal-actions-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import DESKTOP, NARROW, PHONE, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

screens = Screens("proposal-actions")
visit, checked = screens.visit, screens.checked
LOTTE = "lotte"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: Any) -> Iterator[Portal]:
    from portal_testing import ProposalsService, demo_scene

    folder = tmp_path_factory.mktemp("proposal-actions")
    with provider() as issuer, ProposalsService(folder) as proposals:
        ids = demo_scene(proposals)
        for name, process in [(f"mobility-{n}", "mobility-2027") for n in range(6)] + [("trees", "parks-2027")]:
            ids[name] = proposals.submit(process, f"Proposal about {name}")
            proposals.admit(ids[name])
        with serve_gateway(folder, issuer, PROPOSALS_BASE_URL=proposals.url) as url:
            yield Portal(url, ids, proposals=proposals)


def answer_in_bulk(page: Any, desk: Portal, chosen: list[str], reasons: str, accessible: Any, tag: str) -> None:
    """Tick the proposals on the list, answer them as adopted, check and send: the outcome page."""
    visit(page, f"{desk.url}/desk/proposals", f"list-{tag}", accessible)
    for name in chosen:
        page.check(f"input[name=proposal][value='{desk.ids[name]}']")
    page.click("form[action='/desk/proposals/answer'] button[type=submit]")
    page.wait_for_url("**/desk/proposals/answer?*")
    checked(page, f"answer-{tag}", accessible)
    page.check("input[name=position][value=adopted]")
    page.fill("#reasons", reasons)
    page.click("button[name=step][value=check]")
    checked(page, f"confirm-{tag}", accessible)
    page.click("button[name=step][value=confirm]")
    checked(page, f"outcome-{tag}", accessible)


@pytest.mark.parametrize(("lang", "viewport", "form"), [("en", DESKTOP, "desktop"), ("fr", PHONE, "phone")])
def test_every_page_of_the_proposal_actions_passes_axe(browser, desk, accessible, lang, viewport, form):
    opened = context(browser, lang, viewport)
    page = opened.new_page()
    tag = f"{lang}-{form}"
    mobility = [f"mobility-{n}" for n in ((0, 1) if lang == "en" else (2, 3))]
    try:
        log_in(page, desk, LOTTE, f"/desk/answer-templates?lang={lang}")
        checked(page, f"templates-{tag}", accessible)
        page.click("form[action='/desk/answer-templates'] button[type=submit]")  # nothing filled in
        checked(page, f"templates-errors-{tag}", accessible)
        assert page.locator(".error-summary a").count() == 3
        page.fill("#name", f"Planned {lang}")
        page.check("input[name=position][value=adopted]")
        page.fill("#text", "This is part of the mobility plan 2027.")
        page.click("form[action='/desk/answer-templates'] button[type=submit]")
        checked(page, f"templates-saved-{tag}", accessible)

        answer_in_bulk(page, desk, [*mobility, "trees"], "In the mobility plan.", accessible, tag)
        assert page.locator("#refused-title + ul li").count() == 1
        assert "process:parks-2027" in page.locator("#refused-title + ul").inner_text()
        assert desk.proposals.get(desk.ids[mobility[0]])["status"] == "answered"

        decline = f"{desk.url}/desk/proposals/{desk.ids['mobility-4' if lang == 'en' else 'mobility-5']}/decline"
        visit(page, decline, f"decline-{tag}", accessible)
        page.check("#ground-unlawful")
        page.click("button[name=step][value=check]")
        checked(page, f"decline-errors-{tag}", accessible)
        page.click(".error-summary a")
        assert page.evaluate("document.activeElement.id") == "detail_unlawful"
        page.fill("#detail_unlawful", "The region sets traffic lights.")
        page.click("button[name=step][value=check]")
        checked(page, f"decline-confirm-{tag}", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, f"declined-{tag}", accessible)
        assert page.locator("[role=status]").count() == 1

        other = desk.ids["open"]
        visit(page, f"{desk.url}/desk/proposals/{other}/merge", f"merge-{tag}", accessible)
        visit(page, f"{desk.url}/desk/proposals/{other}/split", f"split-{tag}", accessible)
        page.fill("#parts", "Only one part")
        page.click("button[name=step][value=check]")
        checked(page, f"split-errors-{tag}", accessible)
    finally:
        opened.close()


def test_a_bulk_answer_works_without_javascript_at_320_px(browser, desk):
    opened = context(browser, "nl", NARROW, java_script_enabled=False)
    page = opened.new_page()
    try:
        log_in(page, desk, LOTTE, "/desk/proposals?lang=nl")
        answer_in_bulk(page, desk, ["open", "trees"], "Dit staat in het mobiliteitsplan.", None, "nl-nojs")
        outcome = page.locator("main").inner_text()
        assert "1 voorstel is beantwoord" in outcome and "1 werd geweigerd" in outcome
        assert desk.proposals.get(desk.ids["open"])["answer"] == "Dit staat in het mobiliteitsplan."
    finally:
        opened.close()
