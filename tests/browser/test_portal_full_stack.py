"""Every resident's journey in real Chromium against the whole system as deployed, seeded as `make run` seeds it.

Started once for the module, each as its own processes (migrate, API, worker) on its own PostgreSQL database and
the session's Kafka broker: the proposals, challenges, panels and notifications services and the gateway (with
its worker), wired to each other and to Keycloak with the demo realm, as infra/run_local.py wires them (the
services verify the gateway's JWKS and fetch their own tokens from its token endpoint; e-mail goes to a local
SMTP sink). infra/demo_data.py then seeds the demo municipality through the services' APIs. Nothing runs in this
process but the browser and the seeder. What is proven, with axe-core (WCAG 2.1 A/AA) on every portal page
reached and a screenshot of each in /tmp/meemaken-screens/full-*.png:

1. anna (a demo resident of the realm) logs in on Keycloak's own login page; the home shows the demo's open
   processes and "you said, we did".
2. Proposals (Dutch): she finds a demo proposal of district noord with the filter and supports it (the service
   counts her); she submits a proposal, and the proposals worker's admissibility check, through Kafka, turns it
   "admitted" on its page.
3. Citizens' budget (English): she votes in the demo round's ballot, gets a receipt code, and the round and the
   ballot say she has already voted.
4. Citizen panel (French): she answers the demo panel's invitation letter with a reply-card code, the
   registration is confirmed, and the panels worker's eligibility check, through Kafka, admits her to the draw.
5. Right to Challenge (English): daan, a group representative, opens the catalogue and a demo task, logs in on
   Keycloak, and starts a draft for his group; his My page lists the draft.
6. My page (Dutch): anna's inbox holds the message the notifications service made, through Kafka, from her
   proposal's admission; the page of what she took part in lists her proposal, her support, her vote with its
   receipt and her panel registration.
7. The desk (French): quinten, the decision body, logs in on Keycloak and answers anna's proposal with its reasons
   (the list awaiting an answer, the proposal, the answer form, its check, the confirmation); the gateway's queue
   consumer hears the answer through Kafka (the case's history tells it); anna's proposal page shows the answer
   and her inbox the message the notifications service made of it, through Kafka.
8. Neither anna's, daan's nor quinten's name, e-mail address or national number (which Keycloak holds) is in any
   page the portal showed or any line the services, their workers and the mail sink logged.

Keycloak's login page is not the portal's: it is filled in but not checked with axe.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from babel.support import Translations
from keycloak_browser import Person, arrive, new_context, people, screenshot, sign_in_on_keycloak

from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.keycloak import Keycloak
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database
from meemaken_testkit.privacy import personal_data

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "services" / "gateway" / "src" / "gateway" / "translations"
SERVICES = ("proposals", "challenges", "panels", "notifications", "gateway")
CLIENTS = ("panels", "notifications")  # services with a credential of their own at the gateway's token endpoint
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}
THROUGH_KAFKA_SECONDS = 120.0  # a worker's answer: consumer groups on a fresh broker take a while to start
RECEIPT = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NEW_PROPOSAL = "Bankjes en bloembakken in de Kerkstraat"
REPLY_CARD = "GROEN-0003"
EVENT_ANSWERED = "The proposal was answered"  # the case history's words for proposal.answered


def load_demo_data() -> ModuleType:
    """infra/demo_data.py, what `make run` seeds (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("demo_data", ROOT / "infra" / "demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_data"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


demo_data = load_demo_data()


def said(lang: str, text: str) -> str:
    """What the portal says for `text` in `lang`, from the gateway's compiled catalogues."""
    return str(Translations.load(str(CATALOGUES), [lang]).gettext(text))


# --- the stack -----------------------------------------------------------------------------------------


@dataclass
class Stack:
    keycloak: Keycloak
    services: dict[str, Deployed]
    people: dict[str, Person]
    accessible: Callable[[Any], None]  # the conftest's assert_accessible: axe-core, WCAG 2.1 A and AA
    logs: Path
    seeded: str = ""
    done: dict[str, Any] = field(default_factory=dict)  # what the journeys did, for My page to show
    pages: list[tuple[str, str]] = field(default_factory=list)  # (url, html) of every page checked

    @property
    def url(self) -> str:
        return self.services["gateway"].url

    def api(self, service: str, path: str) -> Any:
        """A public read of a service's API, straight to the service (to confirm what a page said)."""
        response = requests.get(f"{self.services[service].url}/api/v1/{path}", timeout=10)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json()


def wiring(keycloak: Keycloak, ports: dict[str, int], smtp_port: int) -> dict[str, dict[str, str]]:
    """Each service's environment, as infra/run_local.py makes it for `make run`."""
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    gateway = urls["gateway"]
    shared = {
        "MEEMAKEN_ENV": "development",
        "WEB_CONCURRENCY": "1",
        **{f"{name.upper()}_BASE_URL": url for name, url in urls.items()},
        **{f"{client.upper()}_CLIENT_SECRET": secrets.token_urlsafe(32) for client in CLIENTS},
        "MEEMAKEN_TOKEN_URL": f"{gateway}/oauth/token",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_CONNECTIONS": "1",
    }
    identity = {
        "MEEMAKEN_PUBLIC_URL": gateway,
        "MEEMAKEN_MUNICIPALITY": "demo",
        "MEEMAKEN_OIDC_ISSUER": keycloak.issuer,
        "MEEMAKEN_OIDC_CLIENT_ID": keycloak.client_id,
        "MEEMAKEN_OIDC_CLIENT_SECRET": keycloak.client_secret,
        "MEEMAKEN_OIDC_PROFILE": "keycloak",
        "MEEMAKEN_OIDC_DEFAULT_ROLES": "resident",  # as make run: whether one may vote is up to the attributes
    }
    jwks = {"MEEMAKEN_JWKS_URL": f"{gateway}/.well-known/jwks.json"}
    return {name: {**shared, **(identity if name == "gateway" else jwks)} for name in SERVICES}


def smtp_sink(port: int, log: Path) -> subprocess.Popen[bytes]:
    """The local mail sink `make run` starts: every e-mail the notifications worker sends ends up in `log`."""
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def stack(
    keycloak: Keycloak, postgres_server_url: str, kafka_bootstrap: str, tmp_path_factory: Any, accessible: Any
) -> Iterator[Stack]:
    """The whole system, deployed side by side on planned ports (each must know the others' addresses before
    it starts), then seeded with the demo municipality."""
    ports: dict[str, int] = {}
    for name in (*SERVICES, "smtp"):
        ports[name] = free_port(avoid=tuple(ports.values()))
    smtp_port = ports.pop("smtp")
    envs = wiring(keycloak, ports, smtp_port)
    suffix = uuid.uuid4().hex[:8]
    databases = {name: create_database(postgres_server_url, f"full_{name}_{suffix}") for name in SERVICES}
    logs = tmp_path_factory.mktemp("full-stack")
    sink = smtp_sink(smtp_port, logs / "smtp.log")
    with ThreadPoolExecutor(len(SERVICES)) as pool:  # most of a deploy is waiting for migrations and the API
        futures = {
            name: pool.submit(deploy, name, databases[name], kafka_bootstrap, logs, envs[name], port=ports[name])
            for name in SERVICES
        }
    started = {name: f.result() for name, f in futures.items() if f.exception() is None}
    failed = {name: f.exception() for name, f in futures.items() if f.exception() is not None}
    codes: dict[str, list[int]] = {}
    try:
        assert not failed, f"not started: {failed}; logs in {logs}"
        stack = Stack(keycloak, started, people(keycloak), accessible, logs)
        seeds = {f"{name.upper()}_BASE_URL": started[name].url for name in ("proposals", "challenges", "panels")}
        stack.seeded = demo_data.seeder(seeds).run()
        assert "added processes" in stack.seeded, stack.seeded
        yield stack
    finally:
        with ThreadPoolExecutor(len(SERVICES)) as pool:  # side by side: each takes seconds to stop cleanly
            codes = dict(zip(started, pool.map(Deployed.stop, started.values()), strict=True))
        sink.terminate()
        sink.wait(timeout=10)
    assert all(code == [0, 0] for code in codes.values()), f"exit codes of API and worker: {codes}; logs in {logs}"


# --- the browser ---------------------------------------------------------------------------------------


def checked(stack: Stack, page: Any, name: str) -> str:
    """axe-core on the page as it is, one h1, a screenshot; the page's text."""
    page.wait_for_load_state("load")
    stack.pages.append((page.url, page.content()))
    screenshot(page, f"full-{name}")
    stack.accessible(page)
    assert page.locator("h1").count() == 1, f"{name}: {page.locator('h1').count()} h1 on {page.url}"
    return str(page.inner_text("main"))


def at(stack: Stack, path: str) -> re.Pattern[str]:
    """The gateway's `path` (a regular expression), with or without a query or fragment, and nothing more."""
    return re.compile(rf"^{re.escape(stack.url)}{path}(\?[^#]*)?(#.*)?$")


def until(page: Any, what: str, shown: Callable[[], bool], seconds: float = THROUGH_KAFKA_SECONDS) -> None:
    """Reload the page until `shown()`, for at most `seconds`: a worker's answer comes through Kafka."""
    deadline = time.monotonic() + seconds
    while not shown():
        if time.monotonic() > deadline:
            screenshot(page, "stuck")
            raise AssertionError(
                f"after {seconds:.0f} s, {page.url} still does not show {what}: {page.inner_text('main')[:600]}"
            )
        time.sleep(2)
        page.reload()


def shows(page: Any, text: str) -> bool:
    """Whether the page's main content says `text` now."""
    return text in page.inner_text("main")


def section(page: Any, heading_id: str) -> str:
    """The text of the page's section labelled by the heading `heading_id`."""
    return str(page.inner_text(f"section[aria-labelledby={heading_id}]"))


@pytest.fixture(scope="module")
def anna(stack: Stack, browser: Any) -> Iterator[Any]:
    """anna's browser, from the home page through Keycloak's login page to her account (in Dutch)."""
    context = new_context(browser, LOCALES["nl"])
    page = context.new_page()
    page.goto(f"{stack.url}/")
    checked(stack, page, "home-anonymous")
    page.click("nav.account a")  # "Aanmelden"
    sign_in_on_keycloak(page, stack.keycloak, "anna")
    arrive(page, at(stack, "/account"))
    yield page
    context.close()


# --- the journeys --------------------------------------------------------------------------------------


def test_a_demo_resident_logs_in_on_keycloak_and_the_home_shows_the_demo(stack: Stack, anna: Any) -> None:
    account = checked(stack, anna, "account")
    assert anna.locator("h1").inner_text() == "Mijn pagina", account[:300]
    anna.goto(f"{stack.url}/")
    home = checked(stack, anna, "home")
    for process in demo_data.PROCESSES[:3]:
        assert process["title"] in home, process["title"]
    assert said("nl", "You said, we did") in home
    assert any(p.title in home for p in demo_data.PROPOSALS if p.answer), "no answered demo proposal on the home"


def test_proposals_find_by_district_support_and_submit_one_the_worker_admits(stack: Stack, anna: Any) -> None:
    anna.goto(f"{stack.url}/proposals?lang=nl")
    checked(stack, anna, "proposals")
    anna.select_option("#district", "noord")
    anna.click("form.filters button[type=submit]")
    arrive(anna, re.compile(r".*/proposals\?.*district=noord.*"))
    found = checked(stack, anna, "proposals-noord")
    demo = next(p for p in demo_data.PROPOSALS if p.district == "noord" and p.title.startswith("Trage weg"))
    assert demo.title in found, found[:600]
    assert all(p.title not in found for p in demo_data.PROPOSALS if p.district not in ("noord", None)), found
    anna.click(f"main a:has-text('{demo.title}')")
    arrive(anna, at(stack, f"/proposals/({UUID})"))
    proposal_id = anna.url.split("/proposals/")[1][:36]
    checked(stack, anna, "proposal-demo")
    anna.click("#support form button[type=submit]")
    arrive(anna, at(stack, f"/proposals/{proposal_id}"))
    supported = checked(stack, anna, "proposal-supported")
    assert said("nl", "Thank you: your support is counted.") in supported, supported[:600]
    assert stack.api("proposals", f"proposals/{proposal_id}")["supporters"] == demo.supporters + 1
    stack.done["supported"] = demo.title

    anna.goto(f"{stack.url}/proposals/new?process={demo_data.BUURT}")
    checked(stack, anna, "proposal-form")
    anna.fill("#title", NEW_PROPOSAL)
    anna.fill("#text", "De Kerkstraat is grijs en heet in de zomer. Zet er banken in de schaduw en bloembakken.")
    anna.select_option("#district", "centrum")
    anna.select_option("#theme", "groen")
    anna.click("button[value=check]")
    arrive(anna, at(stack, "/proposals/new/check"))
    checked(stack, anna, "proposal-check")
    anna.click("main form[action^='/proposals/new/check'] button[type=submit]")
    arrive(anna, at(stack, f"/proposals/({UUID})/sent"))
    checked(stack, anna, "proposal-sent")
    anna.click("main a[href^='/proposals/']")  # "View your proposal"
    arrive(anna, at(stack, f"/proposals/({UUID})"))
    until(anna, "the proposal admitted", lambda: anna.locator("h1 + .card__meta .status--admitted").count() == 1)
    admitted = checked(stack, anna, "proposal-admitted")
    assert said("nl", "This is your proposal. Share this page's address so that others can support it.") in admitted
    stack.done["proposal"] = NEW_PROPOSAL


def test_the_citizens_budget_ballot_receipt_and_already_voted_in_english(stack: Stack, anna: Any) -> None:
    round_title = demo_data.OPEN_ROUND.title
    anna.goto(f"{stack.url}/budgets?lang=en")
    checked(stack, anna, "budgets-en")
    anna.click(f"main a:has-text('{round_title}')")
    arrive(anna, at(stack, f"/budgets/({UUID})"))
    round_path = anna.url.removeprefix(stack.url).split("?")[0]
    checked(stack, anna, "round-en")
    anna.click(f"main a.button-link[href='{round_path}/ballot']")
    arrive(anna, at(stack, f"{round_path}/ballot"))
    ballot = checked(stack, anna, "ballot-en")
    assert "Overdekte skateplek in Zuid" not in ballot, "anna lives in centrum: zuid's projects are not hers"
    anna.get_by_label(re.compile("Bloemenweide in het stadspark")).check()
    anna.click("button[value=total]")
    total = checked(stack, anna, "ballot-total-en")
    assert "You chose 1 project." in total, total[:600]
    anna.click("button[value=check]")
    arrive(anna, at(stack, f"{round_path}/ballot/check"))
    checked(stack, anna, "ballot-check-en")
    anna.click("main form[action$='/ballot/check'] button[type=submit]")
    arrive(anna, at(stack, f"{round_path}/voted"))
    voted = checked(stack, anna, "voted-en")
    receipt = anna.locator(".reference").inner_text()
    assert RECEIPT.fullmatch(receipt), voted[:600]

    anna.goto(f"{stack.url}{round_path}")
    again = checked(stack, anna, "round-already-voted-en")
    assert "You have already voted in this round." in again and receipt in again, again[:600]
    anna.goto(f"{stack.url}{round_path}/ballot")
    ballot = checked(stack, anna, "ballot-already-voted-en")
    assert "You have already voted in this round." in ballot
    assert anna.get_by_label(re.compile("Bloemenweide in het stadspark")).is_checked()
    stack.done["ballot"] = (round_title, receipt)


def test_a_citizen_panel_invitation_letter_answered_and_the_eligibility_check_in_french(
    stack: Stack, anna: Any
) -> None:
    anna.goto(f"{stack.url}/panels?lang=fr")
    panels = checked(stack, anna, "panels-fr")
    assert demo_data.PANEL["theme"] in panels or demo_data.PANEL["question"] in panels, panels[:600]
    anna.goto(f"{stack.url}/panels/invitation")  # "I received a letter": the only panel recruiting
    arrive(anna, at(stack, f"/panels/({UUID})/register"))
    panel_path = anna.url.removeprefix(stack.url).split("/register")[0]
    checked(stack, anna, "panel-register-fr")
    anna.fill("#invitation_code", REPLY_CARD)
    anna.fill("#address", "Kerkstraat 12, 1000")
    anna.check("#consent")
    anna.click("main form.form button[type=submit]")
    arrive(anna, at(stack, f"{panel_path}/registration"))
    sent = checked(stack, anna, "panel-registered-fr")
    assert said("fr", "Thank you for registering") in sent, sent[:600]

    anna.goto(f"{stack.url}{panel_path}/registration")
    until(anna, "the outcome of the eligibility check", lambda: shows(anna, said("fr", "You are in the draw.")))
    checked(stack, anna, "panel-admitted-fr")
    stack.done["panel"] = demo_data.PANEL["question"]


def test_right_to_challenge_a_group_representative_starts_a_draft_in_english(stack: Stack, browser: Any) -> None:
    context = new_context(browser, LOCALES["en"])
    daan = context.new_page()
    try:
        task = demo_data.TASK["title"]
        daan.goto(f"{stack.url}/challenges?lang=en")
        catalogue = checked(stack, daan, "challenges-en")
        assert task in catalogue, catalogue[:600]
        daan.click(f"main a:has-text('{task}')")
        arrive(daan, at(stack, f"/challenges/tasks/({UUID})"))
        task_path = daan.url.removeprefix(stack.url).split("?")[0]
        checked(stack, daan, "challenge-task-en")
        daan.click("main a.button-link")  # "Log in to challenge this task"
        sign_in_on_keycloak(daan, stack.keycloak, "daan")
        arrive(daan, at(stack, task_path))
        checked(stack, daan, "challenge-task-signed-in-en")
        daan.click(f"main a.button-link[href='{task_path}/start']")
        arrive(daan, at(stack, f"{task_path}/start"))
        checked(stack, daan, "challenge-group-en")
        daan.fill("#name", "Fietswerking Station")
        daan.select_option("#legal_form", "vzw")
        daan.fill("#members_count", "7")
        daan.click("main form.form button[type=submit]")
        arrive(daan, at(stack, f"/challenges/({UUID})/plan"))
        challenge_id = daan.url.split("/challenges/")[1][:36]
        checked(stack, daan, "challenge-plan-en")
        daan.fill("#why_better", "We already repair bicycles next to the station and can open on Sundays.")
        daan.click("button[value=draft]")
        arrive(daan, at(stack, f"/challenges/{challenge_id}/plan"))
        saved = checked(stack, daan, "challenge-draft-saved-en")
        assert daan.locator("main .utrecht-alert--ok").count() == 1, saved[:600]
        assert daan.locator("#why_better").input_value().startswith("We already repair bicycles")

        daan.goto(f"{stack.url}/account/participation")
        mine = checked(stack, daan, "challenge-my-page-en")
        assert "Fietswerking Station" in section(daan, "challenges-title"), mine[:800]
        assert "Draft: not sent yet" in section(daan, "challenges-title")
    finally:
        context.close()


def test_my_page_inbox_has_the_message_of_the_admission_and_lists_what_anna_did(stack: Stack, anna: Any) -> None:
    if not stack.done:
        pytest.skip("My page shows what the journeys above did: run the whole module")
    anna.goto(f"{stack.url}/account?lang=nl")
    checked(stack, anna, "my-page")
    anna.click(".mypage-nav a[href='/account/inbox']")
    arrive(anna, at(stack, "/account/inbox"))
    if "proposal" in stack.done:
        until(anna, f"a message about “{NEW_PROPOSAL}”", lambda: shows(anna, NEW_PROPOSAL))
    inbox = checked(stack, anna, "inbox")
    assert anna.locator(".card--unread").count() >= 1, inbox[:600]

    anna.click(".mypage-nav a[href='/account/participation']")
    arrive(anna, at(stack, "/account/participation"))
    checked(stack, anna, "participation")
    if "proposal" in stack.done:
        assert NEW_PROPOSAL in section(anna, "written-title")
    if "supported" in stack.done:
        assert stack.done["supported"] in section(anna, "supported-title")
    if "ballot" in stack.done:
        round_title, receipt = stack.done["ballot"]
        ballots = section(anna, "ballots-title")
        assert round_title in ballots and receipt in ballots, ballots
    if "panel" in stack.done:
        panels = section(anna, "panels-title")
        assert stack.done["panel"] in panels, panels
        assert said("nl", "You are in the pool: you may be drawn for this panel.") in panels, panels


def test_an_official_answers_anna_s_proposal_on_the_desk_and_it_reaches_her_page_and_inbox(
    stack: Stack, anna: Any, browser: Any
) -> None:
    if "proposal" not in stack.done:
        pytest.skip("anna's proposal comes from the proposals journey above: run the whole module")
    reasons = "De gemeente zet dit voorjaar drie banken en zes bloembakken in de Kerkstraat."
    context = new_context(browser, LOCALES["fr"])
    official = context.new_page()
    try:
        official.goto(f"{stack.url}/login?next=/desk/proposals")
        sign_in_on_keycloak(official, stack.keycloak, "quinten")
        arrive(official, at(stack, "/desk/proposals"))
        awaiting = checked(stack, official, "desk-proposals-fr")
        assert NEW_PROPOSAL in awaiting, awaiting[:600]
        official.click(f"main a[href^='/desk/proposals/']:has-text('{NEW_PROPOSAL}')")
        arrive(official, at(stack, f"/desk/proposals/({UUID})"))
        proposal_id = official.url.split("/desk/proposals/")[1][:36]
        checked(stack, official, "desk-proposal-fr")
        official.click("main a[href^='/desk/proposals/answer']")  # "Answer this proposal"
        arrive(official, at(stack, "/desk/proposals/answer"))
        checked(stack, official, "desk-answer-fr")
        official.check("input[name=position][value=adopted]")
        official.fill("#reasons", reasons)
        official.click("button[name=step][value=check]")
        check = checked(stack, official, "desk-answer-check-fr")
        assert reasons in check, check[:600]
        official.click("button[name=step][value=confirm]")
        answered = checked(stack, official, "desk-answered-fr")
        assert NEW_PROPOSAL in answered, answered[:600]
        assert stack.api("proposals", f"proposals/{proposal_id}")["status"] == "answered"
        official.goto(f"{stack.url}/desk/cases/proposals/{proposal_id}")  # the queue's consumer, through Kafka
        until(official, "the answer in the case's history", lambda: shows(official, said("fr", EVENT_ANSWERED)))
        checked(stack, official, "desk-case-answered-fr")
    finally:
        context.close()

    anna.goto(f"{stack.url}/proposals/{proposal_id}?lang=nl")
    until(anna, "the municipality's answer", lambda: shows(anna, reasons))
    checked(stack, anna, "proposal-answered")
    anna.goto(f"{stack.url}/account/inbox?lang=nl")
    about = anna.locator(f".messages .card:has-text('{NEW_PROPOSAL}')")
    until(anna, "a second message about the proposal: its answer", lambda: about.count() >= 2)
    checked(stack, anna, "inbox-answered")


def test_nothing_personal_of_those_who_logged_in_in_any_page_or_log(stack: Stack) -> None:
    """Names, e-mail addresses and national numbers of anna and daan (Keycloak knows them, the gateway keeps them
    to itself): in no page the portal showed, nor any line the services, their workers or the mail sink logged."""
    if not stack.pages:
        pytest.skip("no page was checked: run the whole module")
    theirs = [secret for name in ("anna", "daan", "quinten") for secret in stack.people[name].secrets()]
    for url, html in stack.pages:
        found = [secret for secret in theirs if secret in html] + personal_data(html)
        assert not found, f"{url}: {found}"
    logs = sorted(stack.logs.glob("*.log"))
    assert len(logs) >= 2 * len(SERVICES), [log.name for log in logs]
    for log in logs:
        text = log.read_text(errors="replace")
        found = [secret for secret in theirs if secret in text] + personal_data(text)
        assert not found, f"{log.name}: {found}"
