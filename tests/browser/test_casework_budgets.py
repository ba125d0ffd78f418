"""The officials' budget desk in real Chromium (Playwright), in French on a phone, with axe-core on every page
and state: a round opened with its eligibility (the form's error summary first), an idea handed in on paper
added, its feasibility review started, three projects reviewed on one page (with an error summary), voting
opened and closed, the results explained per project and a funded project's progress reported.

The stack runs in this process (portal_stack): the gateway and the real proposals service on SQLite over
HTTP, and the test OpenID provider with its officials (lotte: case officer for mobility-2027). Screenshots
go to /tmp/meemaken-screens/budget-actions-*.png.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from portal_stack import PHONE, Portal, Screens, context, log_in, provider, serve_gateway

from meemaken_testkit.tokens import bearer

pytestmark = pytest.mark.browser

screens = Screens("budget-actions")
visit, checked = screens.visit, screens.checked
PROCESS = "mobility-2027"  # lotte's process
VOTER = {"age": 40, "municipality": "demo", "resident": True, "district": "centrum"}
IDEAS = [("Parking vélo à la gare", 4_000_000, None), ("Abribus place du marché", 1_000_000, "centrum")]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: Any) -> Iterator[Portal]:
    from portal_testing import ProposalsService, phase

    folder = tmp_path_factory.mktemp("budget-actions")
    now = datetime.now(UTC)
    with provider() as issuer, ProposalsService(folder) as proposals:
        proposals.define(
            PROCESS,
            "Budget mobilité 2027",
            "meebeslissen",
            kind="budget_round",
            support_threshold=None,
            phases=[phase("ideas", now - timedelta(days=5), now + timedelta(days=25), "meebeslissen")],
        )
        with serve_gateway(folder, issuer, PROPOSALS_BASE_URL=proposals.url) as url:
            yield Portal(url, {}, proposals=proposals)


def test_a_round_from_its_opening_to_its_results_passes_axe_on_every_page(browser, desk, accessible):
    opened = context(browser, "fr", PHONE)
    page = opened.new_page()
    service = desk.proposals
    try:
        log_in(page, desk, "lotte", "/desk/budgets/new?lang=fr")
        checked(page, "open", accessible)
        page.fill("#budget", "beaucoup")
        page.click("button[name=step][value=check]")
        checked(page, "open-errors", accessible)
        page.click(".error-summary a[href='#process']")
        assert page.evaluate("document.activeElement.id") == "process"
        page.select_option("#process", PROCESS)
        page.fill("#title", "Budget mobilité 2027")
        page.fill("#budget", "100.000")
        page.fill("#districts_budgets", "centrum: 30.000")
        page.fill("#min_age", "18")
        page.fill("#districts", "centrum, noord")
        page.click("button[name=step][value=check]")
        checked(page, "open-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "round-ideas", accessible)
        rid = page.url.split("/desk/budgets/", 1)[1].split("?")[0]
        page.click(f"a[href='/desk/budgets/{rid}/ideas']")
        checked(page, "idea", accessible)
        page.fill("#title", "Bancs aux arrêts de bus")
        page.fill("#cost", "2.500")
        page.select_option("#part", "centrum")
        page.click("button[name=step][value=check]")
        checked(page, "idea-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "round-idea-added", accessible)
        for title, cost, district in IDEAS:
            idea = {"title": title, "cost": cost, "district": district, "description": f"{title}, pour tous."}
            resident = bearer("proposals", "resident", attrs=VOTER)
            assert service.client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=resident).status_code == 201

        visit(page, f"{desk.url}/desk/budgets/{rid}/feasibility", "feasibility-confirm", accessible)
        page.click("form[action$='/feasibility'] button[type=submit]")
        checked(page, "round-feasibility", accessible)
        visit(page, f"{desk.url}/desk/budgets/{rid}/review", "review", accessible)
        page.check("#p1-verdict")  # feasible, without its legal check
        page.check("#p2-verdict-not_feasible")
        page.click("button[name=step][value=check]")
        checked(page, "review-errors", accessible)
        assert page.locator(".error-summary a").count() == 3
        page.fill("#p1-legal_check", "Terrain communal ; pas de permis.")
        page.fill("#p2-legal_check", "La place est classée.")
        page.fill("#p2-reason", "La place du marché est un monument classé : aucun abri n'y est permis.")
        page.check("#p3-verdict")
        page.fill("#p3-legal_check", "Voirie communale.")
        page.click("button[name=step][value=check]")
        checked(page, "review-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "reviewed", accessible)
        assert "3 examens ont été enregistrés." in page.locator("main").inner_text()

        visit(page, f"{desk.url}/desk/budgets/{rid}/voting", "voting-confirm", accessible)
        page.click("form[action$='/voting'] button[type=submit]")
        checked(page, "round-voting", accessible)
        cast = service.client.put(
            f"/api/v1/rounds/{rid}/ballot",
            json={"projects": ["p1"]},
            headers=bearer("proposals", "resident", attrs=VOTER),
        )
        assert cast.status_code == 201
        visit(page, f"{desk.url}/desk/budgets/{rid}/close", "close-confirm", accessible)
        page.click("form[action$='/close'] button[type=submit]")
        checked(page, "round-closed", accessible)
        from proposals.service_layer import budgets

        budgets.tally_round(service.uow(), uuid.UUID(rid))  # what the tally consumer does on the closed event
        visit(page, f"{desk.url}/desk/budgets/{rid}/results", "results", accessible)
        assert "1 projet est financé" in page.locator("main").inner_text()
        page.click(f"a[href='/desk/budgets/{rid}/p1/progress']")
        page.click("button[name=step][value=check]")
        checked(page, "progress-errors", accessible)
        page.check("#stage-in_progress")
        page.fill("#note", "Les arceaux sont commandés.")
        page.click("button[name=step][value=check]")
        checked(page, "progress-confirm", accessible)
        page.click("button[name=step][value=confirm]")
        checked(page, "results-progress", accessible)
        assert "Les arceaux sont commandés." in page.locator("main").inner_text()
        visit(page, f"{desk.url}/desk/budgets", "rounds", accessible)
    finally:
        opened.close()
