"""The panel coordinator's desk in real Chromium (Playwright), in Dutch at 320 px, with axe-core on every page
and state: the quotas (the form's error summary first, then a change confirmed), the register extract uploaded
with its refused rows by line, then on a panel whose lottery is committed: each respondent's chance, the public
draw with a published seed, and the members to confirm or replace.

The stack runs in this process (portal_stack): the gateway and the real panels service on SQLite over HTTP, and
the test OpenID provider with its panel coordinator (rosa). Screenshots go to /tmp/meemaken-screens/panel-actions-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import NARROW, Portal, Screens, context, log_in, provider, serve_gateway

pytestmark = pytest.mark.browser

screens = Screens("panel-actions")
visit, checked = screens.visit, screens.checked
EXTRACT = (
    "register_id,name,address,birth_year,gender\n"
    "GROEN-0001,Resident 1,Kerkstraat 1,1961,female\n"
    "GROEN-0002,Resident 2,Kerkstraat 2,1962,male\n"
    ",Nobody,Kerkstraat 3,1970,female\n"
)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: Any) -> Iterator[Portal]:
    from panel_testing import PanelsService

    folder = tmp_path_factory.mktemp("panel-actions")
    with provider() as issuer, PanelsService(folder) as panels:
        ids = {"recruiting": panels.set_up("Een groener centrum"), "committed": panels.set_up("Het stationsplein")}
        panels.fill(ids["committed"])
        panels.post(f"/{ids['committed']}/close")
        panels.post(f"/{ids['committed']}/lottery", {"panels": 50})
        from panels.service_layer.handlers import compute_lottery

        compute_lottery(panels.uow())  # the worker's job
        with serve_gateway(folder, issuer, PANELS_BASE_URL=panels.url) as url:
            yield Portal(url, ids, panels=panels)


def test_a_coordinator_changes_quotas_imports_the_pool_and_draws_passing_axe_on_every_page(browser, desk, accessible):
    opened = context(browser, "nl", NARROW)
    page = opened.new_page()
    recruiting, committed = (f"/desk/panels/{desk.ids[k]}" for k in ("recruiting", "committed"))
    try:
        log_in(page, desk, "rosa", recruiting)
        checked(page, "panel", accessible)
        visit(page, f"{desk.url}{recruiting}/quotas", "quotas", accessible)
        page.fill("#min-0-0", "5")
        page.click("button[name=step][value=check]")
        checked(page, "quotas-errors", accessible)
        page.click(".error-summary a[href='#min-0-0']")
        assert page.evaluate("document.activeElement.id") == "min-0-0"
        page.fill("#min-0-0", "1")
        page.click("button[name=step][value=check]")
        checked(page, "quotas-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "quotas-changed", accessible)
        assert "De quota zijn gewijzigd." in page.locator("main").inner_text()

        visit(page, f"{desk.url}{recruiting}/pool", "pool", accessible)
        page.set_input_files(
            "#file", files=[{"name": "uittreksel.csv", "mimeType": "text/csv", "buffer": EXTRACT.encode()}]
        )
        page.click("button[name=step][value=check]")
        checked(page, "pool-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "pool-report", accessible)
        assert "2 rijen zijn ingelezen." in page.locator("main").inner_text()
        assert page.locator("table th[scope=row]").first.inner_text() == "4"

        visit(page, f"{desk.url}{committed}/selection", "selection", accessible)
        assert "Kleinste kans" in page.locator("main").inner_text()
        visit(page, f"{desk.url}{committed}/draw", "draw", accessible)
        page.check("#by-seed")
        page.fill("#seed", "Raadzaal, 3 november: 4-7-1")
        page.click("button[name=step][value=check]")
        checked(page, "draw-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "drawn", accessible)
        visit(page, f"{desk.url}{committed}/members", "members", accessible)
        assert desk.panels.get(f"/{desk.ids['committed']}")["status"] == "drawn"
    finally:
        opened.close()
