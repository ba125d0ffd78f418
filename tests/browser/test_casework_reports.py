"""The officials' reports in real Chromium (issue 14, item 6), with axe-core on every page: participation
by district and age against the population, the citizen panels' members against it, time to answer per
department, cases by state, budget spending by district; each chart's title and description, its table
and its CSV download; Dutch, French and English, desktop and a 320 px phone without JavaScript.

The stack runs in this process as the portal's journeys do (portal_stack): the gateway, the real proposals
service with a counted budget round and the real panels service with a drawn panel, an OpenID provider;
the work queue's read model and the people who logged in seeded in the gateway's database.
Screenshots: /tmp/meemaken-screens/reports-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import DESKTOP, NARROW, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

screens = Screens("reports")
NAMES = ("processes", "districts", "ages", "panels", "answer-times", "states", "spending")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    from budget_testing import budget_scene
    from panel_testing import PanelsService, panel_scene
    from portal_testing import ProposalsService
    from reports_testing import seed  # the page tests' scene: people in noord and zuid, answered proposals

    from meemaken_kit import make_engine

    folder = tmp_path_factory.mktemp("reports")
    with provider() as issuer, ProposalsService(folder) as proposals, PanelsService(folder) as panels:
        budget_scene(proposals)
        panel_scene(panels)
        with serve_gateway(folder, issuer, PROPOSALS_BASE_URL=proposals.url, PANELS_BASE_URL=panels.url) as url:
            engine = make_engine(f"sqlite:///{folder / 'gateway.sqlite'}")
            seed(engine)
            yield Portal(url, {}, proposals=proposals, panels=panels)
            engine.dispose()


@pytest.mark.parametrize(("lang", "title"), [("nl", "Rapporten"), ("fr", "Rapports"), ("en", "Reports")])
def test_every_report_is_a_described_chart_a_table_and_a_csv_in_each_language(browser, portal, accessible, lang, title):
    opened = context(browser, lang, DESKTOP)
    page = opened.new_page()
    try:
        log_in(page, portal, "karel", f"/desk/reports?lang={lang}")
        screens.checked(page, f"overview-{lang}", accessible)
        assert page.locator("h1").inner_text() == title and page.locator("html").get_attribute("lang") == lang
        assert page.locator(f"nav.account a[aria-current=page]:has-text('{title}')").count() == 1
        charts = page.locator("svg[role=img]")
        assert charts.count() == len(NAMES)
        for n in range(len(NAMES)):
            labelled = charts.nth(n).get_attribute("aria-labelledby").split()
            assert all(page.locator(f"[id='{i}']").text_content() for i in labelled)  # title and description
        assert page.locator("table").count() == len(NAMES) and page.locator("th[scope=row]").count() >= 5
        for name in NAMES:
            answer = page.request.get(f"{portal.url}/desk/reports/{name}.csv")
            assert answer.ok and answer.headers["content-type"].startswith("text/csv"), name
        spending = page.request.get(f"{portal.url}/desk/reports/spending.csv").text()
        assert spending.startswith("district,budget_euro,spent_euro,funded_projects") and "centrum,20000.0," in spending
    finally:
        opened.close()


def test_a_phone_at_320_px_without_javascript_reads_the_tables(browser, portal, accessible):
    narrow = context(browser, "nl", NARROW)
    page = narrow.new_page()
    try:
        log_in(page, portal, "karel", "/desk/reports")
        screens.checked(page, "overview-nl-320", accessible)  # axe at 320 px
    finally:
        narrow.close()
    bare = context(browser, "nl", NARROW, java_script_enabled=False)
    page = bare.new_page()
    try:
        log_in(page, portal, "karel", "/desk/reports")
        screens.checked(page, "overview-nl-320-nojs", None)
        page.click("a[href='#answer-times']")  # the contents link to each report
        assert page.url.endswith("#answer-times")
        assert page.locator("#answer-times-caption").count() == 1
    finally:
        bare.close()


def test_a_resident_gets_no_reports(browser, portal):
    opened = context(browser, "en", DESKTOP)
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", "/account")
        assert page.locator("a[href='/desk/reports']").count() == 0
        assert page.goto(f"{portal.url}/desk/reports").status == 403
        assert page.request.get(f"{portal.url}/desk/reports/districts.csv").status == 403
    finally:
        opened.close()
