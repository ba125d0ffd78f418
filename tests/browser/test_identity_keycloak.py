"""Login, logout, session expiry and CSRF through a real browser against Keycloak (issue 12).

Chromium (Playwright, sync API) logs the demo realm's people in on Keycloak's own login page; the
gateway and the proposals service run as deployed (migrate + Granian + worker, PostgreSQL, Kafka);
proposals verifies the gateway's tokens against the gateway's published JWKS. What is proven:

1. anna's login lands on "My page" with her reference code and verified age, residence and
   district; her national number, e-mail and name are in none of the gateway's pages, its log files or
   its session cookie (a random id, HttpOnly, SameSite=Lax).
2. Through the gateway's pass-through, from the browser's own cookies: her ballot is taken (201), a
   second one replaces it (200); the same PUT without the page's CSRF token is refused and changes
   nothing (the closed round's Pabulib export holds one ballot, the second one).
3. emma (14) and farid (lives elsewhere) are refused with 403 and the reason (age, residence).
4. Logging out goes through Keycloak's end-session to /logged-out; afterwards /account sends to the
   login page, the API answers 401 and the old session cookie, replayed, is refused.
5. A session idle for longer than the gateway's idle expiry is refused (a second gateway, 3 s idle).
6. The logout form without or with a wrong csrf_token is refused, and the session goes on.
7. axe-core finds no WCAG 2.1 A/AA violation on any gateway page reached (home, account, desk,
   logged-out, and the csrf, forbidden, session-ended and login-failed pages).
8. Screenshots of those pages in /tmp/meemaken-screens/.

The main gateway is configured as with the national schemes: everyone who logs in acts as a resident
(MEEMAKEN_OIDC_DEFAULT_ROLES=resident), so farid's ballot is judged by his verified residence and
not refused for lacking a role.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from keycloak_browser import Person, arrive, new_context, people, screenshot, sign_in_on_keycloak

from meemaken_testkit import deployed as deployed_module
from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.keycloak import Keycloak
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database
from meemaken_testkit.privacy import personal_data
from meemaken_testkit.tokens import bearer, service_bearer

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

IDLE_SECONDS = 3.0
PROCESS = "identity-budget"
REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}")  # Crockford, as shown


@dataclass
class Stack:
    keycloak: Keycloak
    proposals: Deployed
    gateway: Deployed
    short_gateway: Deployed  # the same, but sessions end after IDLE_SECONDS without a request
    people: dict[str, Person]
    accessible: Any  # the conftest's assert_accessible: axe-core, WCAG 2.1 A and AA
    round_id: str = ""
    pages: list[tuple[str, str]] = field(default_factory=list)  # (url, text) of what the gateway answered

    @property
    def api(self) -> str:
        return f"{self.proposals.url}/api/v1"


_planned = threading.local()


def _planned_port(avoid: tuple[int, ...] = ()) -> int:
    return getattr(_planned, "port", None) or free_port(avoid)


def deploy_on(
    port: int, service: str, database: str, kafka_bootstrap: str, logs: Path, env: dict[str, str]
) -> Deployed:
    """deploy() on a port chosen beforehand (it picks a free one itself): the services must know each
    other's addresses before they start, and the gateway its own (Keycloak's redirect URI names it)."""
    _planned.port = port
    try:
        return deploy(service, database, kafka_bootstrap, logs, env)
    finally:
        _planned.port = None


def gateway_env(keycloak: Keycloak, port: int, proposals: int, **extra: str) -> dict[str, str]:
    return {
        "MEEMAKEN_ENV": "development",
        "WEB_CONCURRENCY": "1",
        "MEEMAKEN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "MEEMAKEN_OIDC_ISSUER": keycloak.issuer,
        "MEEMAKEN_OIDC_CLIENT_ID": keycloak.client_id,
        "MEEMAKEN_OIDC_CLIENT_SECRET": keycloak.client_secret,
        "MEEMAKEN_OIDC_PROFILE": "keycloak",
        "PROPOSALS_BASE_URL": f"http://127.0.0.1:{proposals}",
        **extra,
    }


@pytest.fixture(scope="module")
def stack(
    keycloak: Keycloak, postgres_server_url: str, kafka_bootstrap: str, tmp_path_factory: Any, accessible: Any
) -> Iterator[Stack]:
    """proposals, the gateway and the short-idle gateway, started side by side (each on its own database)."""
    ports: list[int] = []
    for _ in range(3):
        ports.append(free_port(avoid=tuple(ports)))
    proposals, gateway, short = ports
    suffix = uuid.uuid4().hex[:8]
    jwks = {"WEB_CONCURRENCY": "1", "MEEMAKEN_JWKS_URL": f"http://127.0.0.1:{gateway}/.well-known/jwks.json"}
    plans = {
        "proposals": (proposals, "proposals", jwks),
        "gateway": (
            gateway,
            "gateway",
            gateway_env(keycloak, gateway, proposals, MEEMAKEN_OIDC_DEFAULT_ROLES="resident"),
        ),
        "gateway-idle": (
            short,
            "gateway",
            gateway_env(keycloak, short, proposals, MEEMAKEN_SESSION_IDLE_MINUTES=str(IDLE_SECONDS / 60)),
        ),
    }
    started: dict[str, Deployed] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deployed_module, "free_port", _planned_port)
        with ThreadPoolExecutor(len(plans)) as pool:
            futures = {
                name: pool.submit(
                    deploy_on,
                    port,
                    service,
                    create_database(postgres_server_url, f"browser_{name.replace('-', '_')}_{suffix}"),
                    kafka_bootstrap,
                    tmp_path_factory.mktemp(name),
                    env,
                )
                for name, (port, service, env) in plans.items()
            }
        failed = [f.exception() for f in futures.values() if f.exception() is not None]
        started = {name: f.result() for name, f in futures.items() if f.exception() is None}
    try:
        if failed:
            raise failed[0]  # type: ignore[misc]
        yield Stack(
            keycloak, started["proposals"], started["gateway"], started["gateway-idle"], people(keycloak), accessible
        )
    finally:
        with ThreadPoolExecutor(len(plans)) as pool:  # side by side: each takes seconds to stop cleanly
            codes = dict(zip(started, pool.map(Deployed.stop, started.values()), strict=True))
    assert all(code == [0, 0] for code in codes.values()), codes


def official() -> dict[str, str]:
    """A case officer calling proposals directly (signed with this machine's development key)."""
    return bearer("proposals", "case_officer")


def call(method: str, url: str, body: Any = None) -> Any:
    response = requests.request(method, url, json=body, headers=official(), timeout=10)
    assert response.status_code in (200, 201), (url, response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def budget_round(stack: Stack) -> str:
    """A budget round of process `identity-budget` (municipality demo), voting open, for residents of 16+."""
    now = datetime.now(UTC)
    phase = {"name": "vote", "rung_promised": "meebeslissen"}
    phase |= {"starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}
    process = {"id": PROCESS, "municipality": "demo", "title": "Citizen budget", "kind": "budget_round"}
    call("POST", f"{stack.api}/processes", process | {"phases": [phase]})
    opening = {
        "process_id": PROCESS,
        "title": "Citizen budget 2027",
        "budget": 100_000,
        "form": {"kind": "approval"},
        "eligibility": {"min_age": 16, "residents_only": True},
    }
    rid: str = call("POST", f"{stack.api}/rounds", opening)["id"]
    for title, cost in (("Benches", 30_000), ("Trees", 40_000), ("Playground", 50_000)):
        call("POST", f"{stack.api}/rounds/{rid}/projects", {"title": title, "cost": cost})
    call("POST", f"{stack.api}/rounds/{rid}/feasibility")
    for pid, cost in (("p1", 30_000), ("p2", 40_000), ("p3", 50_000)):
        assessment = {"feasible": True, "cost": cost, "legal_check": "ok"}
        call("POST", f"{stack.api}/rounds/{rid}/projects/{pid}/assessment", assessment)
    call("POST", f"{stack.api}/rounds/{rid}/voting", {})
    stack.round_id = rid
    return rid


# --- the browser ---------------------------------------------------------------------------------------


def seen(stack: Stack, page: Any) -> str:
    """The page as the browser shows it now, kept for the privacy check."""
    html: str = page.content()
    stack.pages.append((page.url, html))
    return html


def check_page(stack: Stack, page: Any, name: str) -> str:
    """Kept for the privacy check, screenshot taken, axe-core run: WCAG 2.1 A and AA."""
    html = seen(stack, page)
    screenshot(page, name)
    stack.accessible(page)
    return html


def log_in(stack: Stack, context: Any, gateway: Deployed, person: Person, target: str = "/account") -> Any:
    page = context.new_page()
    page.goto(f"{gateway.url}/login?next={target}")
    sign_in_on_keycloak(page, stack.keycloak, person.username)
    page.wait_for_url(f"{gateway.url}{target}")
    return page


def csrf_token(page: Any) -> str:
    token: str = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return token


def session_cookie(context: Any, gateway: Deployed) -> dict[str, Any]:
    """The gateway's session cookie (cookies are per host, not per port: one context per gateway)."""
    [cookie] = [c for c in context.cookies(gateway.url) if c["name"] == "meemaken"]
    return dict(cookie)


def replay(gateway: Deployed, cookie: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A request carrying an old session cookie, as someone who copied it would send it."""
    replayed = requests.Session()
    replayed.cookies.set("meemaken", cookie, domain="127.0.0.1", path="/")
    return replayed.request(method, f"{gateway.url}{path}", allow_redirects=False, timeout=10, **kwargs)


def ballot(stack: Stack, page: Any, projects: list[str], csrf: str | None) -> Any:
    """PUT the ballot through the gateway from the browser's context (its cookies, no bearer token)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if csrf is not None:
        headers["X-CSRFToken"] = csrf
    url = f"{stack.gateway.url}/api/proposals/v1/rounds/{stack.round_id}/ballot"
    response = page.request.put(url, data=json.dumps({"projects": projects}), headers=headers)
    stack.pages.append((url, response.text()))
    return response


@pytest.fixture(scope="module")
def anna(stack: Stack, browser: Any) -> Iterator[Any]:
    """anna's browser, from the home page through Keycloak's login page to her account."""
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{stack.gateway.url}/")
    check_page(stack, page, "home")
    page.click("nav.account a")  # "Aanmelden"
    sign_in_on_keycloak(page, stack.keycloak, "anna")
    page.wait_for_url(f"{stack.gateway.url}/account")
    yield page
    context.close()


# --- the tests -----------------------------------------------------------------------------------------


def test_anna_logs_in_on_keycloak_and_sees_her_verified_attributes_and_nothing_personal(
    stack: Stack, anna: Any
) -> None:
    person = stack.people["anna"]
    html = check_page(stack, anna, "account")
    assert anna.locator("h1").inner_text() == "Mijn pagina"
    assert REFERENCE.fullmatch(anna.inner_text("#reference"))
    names, values = (anna.locator(f"dl.attributes {tag}").all_inner_texts() for tag in ("dt", "dd"))
    facts = dict(zip(names, values, strict=True))
    assert facts["Leeftijd"].startswith(str(person.age(date.today()))), facts
    assert facts["Woonplaats"].startswith("demo"), facts
    assert facts["Woont in deze gemeente"].startswith("ja"), facts
    assert facts["Wijk"].startswith("centrum"), facts
    assert all("uit je aanmelding" in value for value in facts.values()), facts
    for secret in person.secrets():
        assert secret not in html

    cookie = session_cookie(anna.context, stack.gateway)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie["value"]), "the cookie holds a random id and nothing else"
    assert not any(secret in cookie["value"] for secret in person.secrets())


def test_ballots_through_the_gateway_one_person_one_ballot_csrf_and_eligibility(
    stack: Stack, browser: Any, anna: Any, budget_round: str
) -> None:
    token = csrf_token(anna)
    first = ballot(stack, anna, ["p1"], token)
    assert first.status == 201, first.text()
    assert first.json()["replaced"] == 0
    second = ballot(stack, anna, ["p2"], token)
    assert second.status == 200, second.text()
    assert second.json()["replaced"] == 1

    # The browser's cookies alone (as a page of another site could make it send them) are not enough.
    forged = ballot(stack, anna, ["p3"], None)
    assert forged.status == 403, forged.text()  # an /api/ path: the problem answer, never the 400 page
    assert "CSRF" in forged.text()
    wrong = ballot(stack, anna, ["p3"], "not-the-token")
    assert wrong.status == 403, wrong.text()

    refusals = {}
    for name in ("emma", "farid"):
        context = new_context(browser)
        page = log_in(stack, context, stack.gateway, stack.people[name])
        seen(stack, page)
        refused = ballot(stack, page, ["p1"], csrf_token(page))
        refusals[name] = (refused.status, refused.json())
        context.close()
    assert refusals["emma"][0] == 403 and "16 years old" in refusals["emma"][1]["detail"], refusals
    assert refusals["farid"][0] == 403 and "Only residents of demo" in refusals["farid"][1]["detail"], refusals

    # One voter; after the close, the anonymous ballots show hers is the second, not the forged one.
    reader = service_bearer("notifications", "proposals", "voters:read")
    voters = requests.get(f"{stack.api}/rounds/{budget_round}/voters", headers=reader, timeout=10).json()
    assert len(voters["voters"]) == 1, voters
    call("POST", f"{stack.api}/rounds/{budget_round}/close")
    export = requests.get(f"{stack.api}/rounds/{budget_round}/pabulib", timeout=10)
    assert export.status_code == 200, export.text
    votes = export.text.split("VOTES", 1)[1].strip().splitlines()[1:]
    assert [line.split(";")[1] for line in votes] == ["p2"], export.text


def test_the_logout_form_without_or_with_a_wrong_csrf_token_is_refused_and_the_session_goes_on(
    stack: Stack, anna: Any
) -> None:
    without = anna.request.post(f"{stack.gateway.url}/logout", form={})
    assert without.status == 400, without.status
    assert anna.request.get(f"{stack.gateway.url}/account", max_redirects=0).status == 200

    anna.goto(f"{stack.gateway.url}/account")
    anna.locator('form[action="/logout"] input[name="csrf_token"]').evaluate("input => { input.value = 'wrong'; }")
    with anna.expect_navigation() as refused:
        anna.click('form[action="/logout"] button')
    assert refused.value.status == 400
    assert anna.locator("h1").inner_text() == "Je formulier is verlopen"
    check_page(stack, anna, "error-csrf")
    assert anna.request.get(f"{stack.gateway.url}/account", max_redirects=0).status == 200

    anna.goto(f"{stack.gateway.url}/desk")  # for case officers only
    assert anna.locator("h1").inner_text() == "Je kunt deze pagina niet openen"
    check_page(stack, anna, "error-forbidden")


def test_logout_goes_through_keycloak_and_the_old_session_cookie_is_refused(stack: Stack, anna: Any) -> None:
    gateway = stack.gateway.url
    anna.goto(f"{gateway}/account")
    token, old = csrf_token(anna), session_cookie(anna.context, stack.gateway)["value"]
    end_session = stack.keycloak.discovery()["end_session_endpoint"]
    through: list[str] = []
    anna.on("request", lambda r: through.append(r.url) if r.url.startswith(end_session) else None)
    anna.click('form[action="/logout"] button')
    arrive(anna, re.compile(rf"{re.escape(gateway)}/logged-out(\?state=[\w-]+)?"))  # Keycloak sends the state back
    assert through, "the logout did not go through Keycloak's end-session endpoint"
    check_page(stack, anna, "logged-out")
    assert not [c for c in anna.context.cookies(gateway) if c["name"] == "meemaken" and c["value"] == old]

    anna.goto(f"{gateway}/account")  # Keycloak's session ended too: its login page, not a silent login
    anna.wait_for_url(f"{stack.keycloak.issuer}/**")
    assert anna.locator("#username").is_visible()
    assert ballot(stack, anna, ["p1"], token).status == 401

    page = replay(stack.gateway, old, "GET", "/account")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/account&ended=1", page.headers
    path = f"/api/proposals/v1/rounds/{stack.round_id or uuid.uuid4()}/ballot"
    api = replay(stack.gateway, old, "PUT", path, json={"projects": ["p1"]}, headers={"X-CSRFToken": token})
    assert api.status_code == 401 and "session has ended" in api.json()["detail"], api.text


def test_an_idle_session_is_refused_after_the_idle_expiry(stack: Stack, browser: Any) -> None:
    gateway = stack.short_gateway
    context = new_context(browser)
    page = log_in(stack, context, gateway, stack.people["olivia"], "/desk")  # a case officer at the desk
    old = session_cookie(context, gateway)["value"]
    assert page.request.get(f"{gateway.url}/account", max_redirects=0).status == 200  # in use: alive
    last_request = time.monotonic()
    check_page(stack, page, "desk")

    time.sleep(max(0.0, last_request + IDLE_SECONDS + 1.0 - time.monotonic()))  # she left the desk
    page.fill("#reference", "K7QF-3MZP-X2")
    page.fill("#district", "noord")
    with page.expect_navigation() as refused:
        page.click('main form button[type="submit"]')
    assert refused.value.status == 401
    assert page.locator("h1").inner_text() == "Je sessie is beëindigd"
    check_page(stack, page, "error-session-ended")

    answer = replay(gateway, old, "GET", "/account")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/account&ended=1", answer.headers
    path = f"/api/proposals/v1/rounds/{uuid.uuid4()}/ballot"
    api = replay(gateway, old, "PUT", path, json={"projects": ["p1"]})  # 401 comes before the CSRF check
    assert api.status_code == 401 and "session has ended" in api.json()["detail"], api.text
    context.close()


def test_a_login_that_did_not_work_shows_a_page_that_says_so(stack: Stack, browser: Any) -> None:
    context = new_context(browser)
    page = context.new_page()
    response = page.goto(f"{stack.gateway.url}/auth/callback?code=forged&state=forged")
    assert response.status == 400
    assert page.locator("h1").inner_text() == "Aanmelden is niet gelukt"
    check_page(stack, page, "error-login-failed")
    context.close()


def test_no_personal_data_in_the_gateways_pages_or_logs(stack: Stack) -> None:
    """Names, e-mail addresses and national numbers of everyone who logged in: in no page or API answer
    the gateway gave, nor any line its processes logged."""
    everyone = [secret for person in stack.people.values() for secret in person.secrets()]
    for url, text in stack.pages:
        found = [secret for secret in everyone if secret in text] + personal_data(text)
        assert not found, f"{url}: {found}"
    logs = [path for d in (stack.gateway, stack.short_gateway) for path in d.logs.glob("*.log")]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        found = [secret for secret in everyone if secret in text] + personal_data(text)
        assert not found, f"{path.name}: {found}"
