"""Right to Challenge in real Chromium (Playwright), with axe-core on every page and state reached: the
catalogue, a task with its criteria, the guided form (group with its error summary, plan, budget, documents
with an upload, check), the confirmation, the case page asking for information and proposing a change, the
decision notice and the published decisions; a whole journey in French, the public pages in Dutch and English
and on a phone, and the form without JavaScript.

The stack runs in this process as in test_portal_budgets.py: the gateway, the real challenges service (its
app over HTTP on loopback, on a PostgreSQL database of the test cluster) and an OpenID provider
(oidc-provider-mock). The officials' side (the gate check the worker runs, the question, the change, the
decision) is driven through the service's API with officials' tokens. Screenshots go to
/tmp/meemaken-screens/challenge-*.png.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from portal_stack import DESKTOP, PHONE, Portal, Screens, context, log_in, provider, serve_gateway

from meemaken_testkit.postgres import create_database, drop_database

pytestmark = pytest.mark.browser

screens = Screens("challenge")
visit, checked = screens.visit, screens.checked


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any, postgres_server_url: str) -> Iterator[Portal]:
    from challenge_testing import ChallengesService, catalogue

    folder = tmp_path_factory.mktemp("challenges")
    name = f"test_{uuid.uuid4().hex[:12]}"
    database = create_database(postgres_server_url, name)
    try:
        with provider() as issuer, ChallengesService(database) as challenges:
            ids = catalogue(challenges)
            with serve_gateway(folder, issuer, CHALLENGES_BASE_URL=challenges.url) as url:
                yield Portal(url, ids, challenges=challenges)
    finally:
        drop_database(postgres_server_url, name)


@pytest.mark.parametrize(
    ("lang", "viewport", "form"), [("nl", DESKTOP, "desktop"), ("en", DESKTOP, "desktop"), ("nl", PHONE, "phone")]
)
def test_the_catalogue_a_task_and_the_decisions_pass_axe(browser, portal, accessible, lang, viewport, form):
    opened = context(browser, lang, viewport)
    page = opened.new_page()
    try:
        base = portal.url
        visit(page, f"{base}/challenges?lang={lang}", f"catalogue-{lang}-{form}", accessible)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("nav[aria-label] a[aria-current=page]").count() == 1
        visit(page, f"{base}/challenges/tasks/{portal.ids['open']}", f"task-{lang}-{form}", accessible)
        assert page.locator("section[aria-labelledby=criteria-title] .card").count() == 8
        visit(page, f"{base}/challenges/decisions", f"decisions-{lang}-{form}", accessible)
    finally:
        opened.close()


def test_a_group_challenges_a_task_and_follows_its_case_in_french(browser, portal, accessible, tmp_path):
    service = portal.challenges
    opened = context(browser, "fr")
    page = opened.new_page()
    try:
        task_path = f"/challenges/tasks/{portal.ids['open']}"
        log_in(page, portal, "daan", f"{task_path}?lang=fr")
        checked(page, "task-signed-in-fr", accessible)
        page.click("a:has-text('Interpeller sur cette tâche')")
        page.wait_for_url(f"**{task_path}/start")
        checked(page, "group-fr", accessible)
        page.fill("#name", "Fietswerking Station")
        page.fill("#members_count", "2")
        page.click("button:has-text('Enregistrer et continuer')")
        assert page.locator(".error-summary a").count() == 2  # the legal form, and too few members
        checked(page, "group-error-fr", accessible)
        page.locator(".error-summary a").first.click()
        assert page.evaluate("document.activeElement.id") == "legal_form"
        page.select_option("#legal_form", "vzw")
        page.fill("#members_count", "12")
        page.click("button:has-text('Enregistrer et continuer')")
        page.wait_for_url("**/plan")
        challenge_id = page.url.split("/challenges/")[1].split("/")[0]
        checked(page, "plan-fr", accessible)
        page.fill("#why_better", "Nous réparons déjà des vélos à côté de la gare et pouvons ouvrir le dimanche.")
        page.click("button[value=draft]")
        page.wait_for_url("**/plan")
        checked(page, "plan-draft-saved-fr", accessible)
        page.fill("#quality_guarantees", "Des heures d'ouverture au moins égales; une enquête annuelle.")
        page.fill("#local_support", "412 signatures et deux réunions de quartier.")
        page.fill("#continuity_and_exit", "Six mois de préavis; les clés retournent à la commune.")
        page.click("button[value=next]")
        page.wait_for_url("**/budget")
        page.fill("#cost_estimate", "beaucoup")
        page.click("button[value=next]")
        assert page.locator(".error-summary a").count() == 1
        checked(page, "budget-error-fr", accessible)
        page.fill("#cost_estimate", "95000")
        page.fill("#capacity_and_finances", "Douze bénévoles, deux mécaniciens et une réserve.")
        page.click("button[value=next]")
        page.wait_for_url("**/documents")
        checked(page, "documents-fr", accessible)
        statutes = tmp_path / "statuts.txt"
        statutes.write_text("Statuts de l'association.\n")
        page.set_input_files("#document", str(statutes))
        page.click("button:has-text('Ajouter ce document')")
        page.wait_for_url("**/documents")
        assert page.locator("text=statuts.txt").count() == 1
        checked(page, "documents-added-fr", accessible)
        page.click("a.button-link")
        page.wait_for_url("**/check")
        checked(page, "check-fr", accessible)
        page.click('button:has-text("Envoyer l\'interpellation")')
        page.wait_for_url("**/sent")
        checked(page, "sent-fr", accessible)
        assert page.locator(".reference").inner_text() == challenge_id[:8].upper()

        assert service.gate_check(challenge_id) == "in_assessment"
        service.ask(challenge_id, "Send the insurance policy of the association.")
        page.goto(f"{portal.url}/challenges/{challenge_id}")
        checked(page, "case-question-fr", accessible)
        page.click("button:has-text('Envoyer ma réponse')")
        assert page.locator(".error-summary a").count() == 1  # an empty answer
        checked(page, "case-question-error-fr", accessible)
        page.fill("#answer", "La police 2026-114 est jointe à nos statuts.")
        page.click("button:has-text('Envoyer ma réponse')")
        page.wait_for_url(f"**/challenges/{challenge_id}")
        checked(page, "case-answered-fr", accessible)

        service.propose(challenge_id, "Open on Sundays only from April to October.")
        page.goto(f"{portal.url}/challenges/{challenge_id}")
        checked(page, "case-change-fr", accessible)
        page.click("button[value=accept]")
        page.wait_for_url(f"**/challenges/{challenge_id}")
        service.reject(challenge_id)
        page.goto(f"{portal.url}/challenges/{challenge_id}")
        checked(page, "case-decided-fr", accessible)
        assert page.locator(".notice").get_attribute("lang") == "nl"  # the notice in the case's language
        visit(page, f"{portal.url}/challenges/decisions", "decisions-published-fr", accessible)
        assert page.locator(".notice").count() >= 1
    finally:
        opened.close()


def test_the_form_works_without_javascript(browser, portal):
    opened = context(browser, "nl", java_script_enabled=False)
    page = opened.new_page()
    try:
        task_path = f"/challenges/tasks/{portal.ids['open']}/start"
        log_in(page, portal, "daan", task_path)
        page.fill("#name", "Buurtwerking zonder script")
        page.select_option("#legal_form", "cooperatie")
        page.fill("#members_count", "5")
        page.click("form.form button[type=submit]")
        page.wait_for_url("**/plan")
        page.fill("#why_better", "Zonder JavaScript werkt het formulier ook.")
        page.click("button[value=draft]")
        page.wait_for_url("**/plan")
        assert page.locator(".utrecht-alert--ok").count() == 1
    finally:
        opened.close()
