"""The officials' Right to Challenge actions in real Chromium (Playwright), with axe-core on every page and state
reached, in French on a phone: the challenge's page, an information request (its error summary, the paused
clock, the confirmation), an assessor assigned by reference code, the assessor's scores, the consolidation with
the judged gates, and the decision with the preview of its public notice.

The stack runs in this process as in test_portal_challenges.py: the gateway, the real challenges service (over
HTTP, on a PostgreSQL database of the test cluster) and the test OpenID provider with its officials (lotte: case
officer for mobility; otto: assessor; ines: the decision body). The group's answer is sent through the service's
API. Screenshots go to /tmp/meemaken-screens/challenge-actions-*.png.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from portal_stack import PHONE, Portal, Screens, context, log_in, provider, serve_gateway

from meemaken_testkit.postgres import create_database, drop_database

pytestmark = pytest.mark.browser

screens = Screens("challenge-actions")
visit, checked = screens.visit, screens.checked
LOTTE, OTTO, INES = "lotte", "otto", "ines"
GATES = ("legally_feasible", "no_harm", "not_frivolous")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: Any, postgres_server_url: str) -> Iterator[Portal]:
    from challenge_testing import ChallengesService

    folder = tmp_path_factory.mktemp("challenge-actions")
    name = f"test_{uuid.uuid4().hex[:12]}"
    database = create_database(postgres_server_url, name)
    try:
        with provider() as issuer, ChallengesService(database) as challenges:
            challenge, group = challenges.in_assessment(challenges.task("Bicycle parking at the station"))
            with serve_gateway(folder, issuer, CHALLENGES_BASE_URL=challenges.url) as url:
                yield Portal(url, {"challenge": challenge}, challenges=challenges, group=group, folder=folder)
    finally:
        drop_database(postgres_server_url, name)


def assessor_reference(folder: Path) -> str:
    """The reference code of the assessor who logged in (the gateway's own tables)."""
    engine = sa.create_engine(f"sqlite:///{folder / 'gateway.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT p.reference, s.roles FROM people p JOIN sessions s USING (person_id)"))
        found = next(ref for ref, roles in rows if "assessor" in str(roles))
    engine.dispose()
    return str(found)


def signed_in(browser: Any, desk: Portal, who: str, path: str) -> tuple[Any, Any]:
    opened = context(browser, "fr", PHONE)
    page = opened.new_page()
    log_in(page, desk, who, path)
    return opened, page


def confirm(page: Any, name: str, accessible: Any) -> None:
    page.click("button[name=step][value=check]")
    checked(page, f"{name}-confirm", accessible)
    page.click("button[name=step][value=confirm]")
    checked(page, f"{name}-done", accessible)
    assert page.locator("[role=status]").count() == 1


def test_the_main_path_of_the_challenge_actions_passes_axe_in_french_on_a_phone(browser, desk, accessible):
    case = desk.ids["challenge"]
    base = f"/desk/challenges/{case}"
    opened = []
    try:
        context_, officer = signed_in(browser, desk, LOTTE, f"{base}?lang=fr")
        opened.append(context_)
        checked(officer, "challenge", accessible)
        assert officer.locator("html").get_attribute("lang") == "fr"

        visit(officer, f"{desk.url}{base}/information-request", "information-request", accessible)
        officer.click("button[name=step][value=check]")
        checked(officer, "information-request-errors", accessible)
        officer.click(".error-summary a")
        assert officer.evaluate("document.activeElement.id") == "question"
        officer.fill("#question", "Quelle assurance couvre les bénévoles ?")
        confirm(officer, "information-request", accessible)
        assert "Le délai est suspendu" in officer.locator("main").inner_text()
        answer = {"answer": "La police de la commune."}
        url = f"/api/v1/challenges/{case}/information"
        assert desk.challenges.client.post(url, json=answer, headers=desk.group).status_code == 200

        context_, assessor = signed_in(browser, desk, OTTO, "/account")
        opened.append(context_)
        visit(officer, f"{desk.url}{base}/assessors", "assessors", accessible)
        officer.fill("#reference", assessor_reference(desk.folder))
        confirm(officer, "assessors", accessible)

        visit(assessor, f"{desk.url}{base}/scores", "scores", accessible)
        for field in assessor.locator("input[name^='value-']").all():
            field.fill("3")
        for field in assessor.locator("textarea[name^='motivation-']").all():
            field.fill("Un plan solide.")
        confirm(assessor, "scores", accessible)

        visit(officer, f"{desk.url}{base}/decision-proposal", "decision-proposal", accessible)
        for gate in GATES:
            officer.check(f"#passed-{gate}")
            officer.fill(f"#motivation-{gate}", "Vérifié avec le service juridique.")
        confirm(officer, "decision-proposal", accessible)

        context_, council = signed_in(browser, desk, INES, f"{base}/decision?lang=fr")
        opened.append(context_)
        checked(council, "decision", accessible)
        council.check("#outcome")
        council.fill("#motivation", "Un plan solide, accepté.")
        council.click("button[name=step][value=check]")
        checked(council, "decision-confirm", accessible)
        assert council.locator("#preview-title").count() == 1
        assert council.locator(".notice-preview .notice[lang=nl]").count() == 1  # the case's language
        council.click("button[name=step][value=confirm]")
        checked(council, "decision-done", accessible)
        assert desk.challenges.case(case)["status"] == "accepted"
    finally:
        for each in opened:
            each.close()
