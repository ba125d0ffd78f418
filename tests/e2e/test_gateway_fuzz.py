"""Schemathesis through the gateway, as residents and officials really call the services: every service's
committed OpenAPI document (services/*/openapi.json), its operations at the paths the gateway exposes
(``/api/<service>/v1/...``), sent over HTTP to the gateway as deployed (Granian) in front of the four services
as deployed (Granian too), each on its own PostgreSQL database. The callers logged in through the OpenID
provider (oidc-provider-mock, one person per role, officials municipality-wide): the gateway's session cookie
and the page's CSRF token, as a browser sends them; the gateway checks them (the full path, then its fast
lane), mints the service's token and forwards.

- Every operation, fuzzed by every caller the role matrix (docs/roles/<service>.md) allows, one it refuses
  and nobody, with inputs that fit the document and inputs that break it: no 5xx, every answer is one the
  document promises (the checks of tests/contract/test_openapi_fuzz.py), nobody gets 401 where a login is
  needed, a refused role 401/403 (or, for input that breaks the document or that no endpoint takes, the
  gateway's door refuses it first: 400/422), every refusal is problem+json.
- Workflows along the links Schemathesis infers from each document, each step by a role the matrix allows.
- What only the gateway can break: no 5xx from the gateway itself for any request Hypothesis makes of odd
  methods, odd or huge headers, path traversal, encoded slashes, NUL and lone surrogates, odd bodies; and
  forged identity (``X-Meemaken-Actor``, ``X-Meemaken-Role``, a forged or a service's ``Authorization``)
  never reaches a service as identity.

Bounded by ``MEEMAKEN_FUZZ_EXAMPLES`` (default here 4 per operation: each is an HTTP round trip through two
processes) and ``MEEMAKEN_FUZZ_WORKFLOWS`` (default here 2 per service), derandomized (tests/fuzz_kit.py).
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from fuzz_kit import (
    CHECKS,
    DERANDOMIZE,
    SERVICES,
    Failures,
    Fuzzed,
    Seed,
    document,
    filled,
    fuzz_settings,
    matrix,
    operations,
    routed,
    seeds,
    workflow_settings,
)
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.generation import GenerationMode

from meemaken_kit import Settings, make_engine
from meemaken_kit.input_guard import Refused, check_json
from meemaken_kit.roles import ROLES
from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import token

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

BACKENDS = ("proposals", "challenges", "panels", "notifications")
EXAMPLES = int(os.environ.get("MEEMAKEN_FUZZ_EXAMPLES", "4"))
WORKFLOWS = int(os.environ.get("MEEMAKEN_FUZZ_WORKFLOWS", "2"))
COOKIE = "meemaken"  # the gateway's session cookie over plain HTTP (``__Host-meemaken`` behind TLS)
PEOPLE = {  # one person per role; residents verified in the demo municipality
    role: {"roles": [role], "municipality": "demo"}
    | ({"birthdate": "1985-05-05", "district": "centrum"} if role in ("resident", "group_representative") else {})
    for role in ROLES
    if role != "service"
}
SECRETS = {
    "MEEMAKEN_PSEUDONYM_KEY": "fuzz-pseudonym-key-of-at-least-32-characters",
    "PANELS_CLIENT_SECRET": "panels-secret-for-the-gateway-fuzz",
    "NOTIFICATIONS_CLIENT_SECRET": "notifications-secret-for-the-gateway-fuzz",
}


@dataclass(frozen=True)
class Login:
    """What a logged-in browser sends: its session cookie, and the page's CSRF token with unsafe methods."""

    sid: str
    csrf: str
    person_id: str


@dataclass
class Stack:
    url: str
    deployed: dict[str, Deployed]
    logins: dict[str, Login]
    logs: Path
    fuzzed: dict[str, Through] = field(default_factory=dict)

    def service(self, name: str) -> Through:
        """The service's document with the gateway's paths, seeded through the gateway once for the module."""
        if name not in self.fuzzed:
            self.fuzzed[name] = Through.loaded(name, self)
        return self.fuzzed[name]


@dataclass
class Through(Fuzzed):
    """One service's document as the gateway exposes it, and who calls through the gateway."""

    stack: Any = None
    http: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def loaded(cls, name: str, stack: Stack) -> Through:
        raw = document(name)
        if name != "gateway":
            raw = exposed(name, raw)
        schema = schemathesis.openapi.from_dict(raw)
        # Undeclared query parameters and headers are ignored, as HTTP APIs do (webargs EXCLUDE): not negative input.
        schema.config.generation.update(allow_extra_parameters=False)
        through = cls(name, schema, matrix(name), stack=stack)
        for login in stack.logins.values():  # their own id is one a path may name (a person's contact, inbox)
            for parameter in ("person_id", "resident_id"):
                through.ids.setdefault(parameter, set()).add(login.person_id)
        through.seed(seeds().get(name, []))
        return through

    @functools.cached_property
    def routes(self) -> Any:
        """The service's own app (no database), for its routes: does a path reach an operation's view?"""
        bootstrap = importlib.import_module(f"{self.name}.bootstrap")
        return bootstrap.create_app(
            Settings.from_env(self.name, {"DATABASE_URL": "sqlite://"}), make_engine("sqlite://")
        )

    def gateway_path(self, path: str) -> str:
        """``/api/v1/...`` of the service's document -> ``/api/<service>/v1/...`` at the gateway."""
        return path if self.name == "gateway" else f"/api/{self.name}/{path.removeprefix('/api/')}"

    def headers(self, caller: str | None, method: str) -> dict[str, str]:
        """The session cookie of the caller's login (and its CSRF token where the method needs one)."""
        if caller is None or caller not in self.stack.logins:
            return {}
        login = self.stack.logins[caller]
        headers = {"Cookie": f"{COOKIE}={login.sid}"}
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers["X-CSRFToken"] = login.csrf
        return headers

    def seed(self, seeds: list[Seed]) -> None:
        got: list[str] = []
        for method, template, caller, body in seeds:
            path, json_body = filled(template, body, got)
            url = f"{self.stack.url}{self.gateway_path(path)}"
            answer = self.http.request(method, url, json=json_body, headers=self.headers(caller, method), timeout=30)
            assert answer.status_code < 300, f"seed {method} {url}: {answer.status_code} {answer.text[:500]}"
            got.append(answer.json()["id"])
            self.remember(answer.json(), self.gateway_path(template.format(*got)))


def exposed(service: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The document as the gateway exposes it: its paths under ``/api/<service>/``; the caller's login
    session (a cookie) where the service asks for the gateway's token, which the gateway attaches."""
    found = copy.deepcopy(raw)
    found["paths"] = {f"/api/{service}/{p.removeprefix('/api/')}": item for p, item in raw["paths"].items()}
    schemes = found.get("components", {}).get("securitySchemes", {})
    if "gatewayToken" in schemes:
        schemes["gatewayToken"] = {"type": "apiKey", "in": "cookie", "name": COOKIE}
    return found


# --- the stack -----------------------------------------------------------------------------------------


def provider() -> tuple[str, Any]:
    """The in-process OpenID provider with one person per role: its issuer URL and server."""
    import threading

    import oidc_provider_mock
    import werkzeug.serving

    users = [oidc_provider_mock.User(sub=f"fuzz-{role}", claims=claims) for role, claims in PEOPLE.items()]
    app = oidc_provider_mock.app(user_claims=users)
    app.wsgi_app = app.wsgi_app.app  # the mock wraps itself in werkzeug's debugger: not in tests
    logging.getLogger("oidc_provider_mock").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://localhost:{server.server_port}", server


def log_in(gateway: str, sub: str) -> tuple[str, str]:
    """The code flow with PKCE as a browser does it: the session cookie, and the CSRF token of the page."""
    browser = requests.Session()
    start = browser.get(f"{gateway}/login?next=/account", allow_redirects=False, timeout=30)
    chosen = requests.post(start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=30)
    assert chosen.status_code == 302, f"the provider refused {sub}: {chosen.status_code} {chosen.text[:300]}"
    back = urlsplit(chosen.headers["Location"])
    landed = browser.get(f"{gateway}{back.path}?{back.query}", timeout=30)
    assert landed.status_code == 200, f"login of {sub}: {landed.status_code}"
    csrf = landed.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return browser.cookies[COOKIE], csrf


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four services and the gateway as deployed (API processes; no workers: nothing here waits for Kafka),
    wired as `make run` wires them, and one login per role."""
    from gateway.identity.pseudonyms import Pseudonyms

    ports: dict[str, int] = {}
    for name in SERVICES:
        ports[name] = free_port(avoid=tuple(ports.values()))
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer, server = provider()
    shared = {
        "MEEMAKEN_ENV": "development",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "MEEMAKEN_TOKEN_URL": f"{urls['gateway']}/oauth/token",
        **{f"{name.upper()}_BASE_URL": url for name, url in urls.items()},
        **SECRETS,
    }
    gateway_env = {
        "MEEMAKEN_GATEWAY_SECRET_KEY": "fuzz-secret-key",
        "MEEMAKEN_PUBLIC_URL": urls["gateway"],
        "MEEMAKEN_MUNICIPALITY": "demo",
        "MEEMAKEN_OIDC_ISSUER": issuer,
        "MEEMAKEN_OIDC_CLIENT_SECRET": "gateway-secret-for-the-fuzz",
        # the limiter stays in the path, raised: every caller here comes from one address and sends a lot
        "MEEMAKEN_RATELIMIT_LOGIN": "100000/minute",
        "MEEMAKEN_RATELIMIT_SUBMISSIONS": "100000/minute",
        "MEEMAKEN_RATELIMIT_SUBMISSIONS_ADDRESS": "100000/minute",
        "MEEMAKEN_RATELIMIT_TOKEN": "100000/minute",
    }
    backend_env = {"MEEMAKEN_JWKS_URL": f"{urls['gateway']}/.well-known/jwks.json", "PANELS_PSEUDONYM_KEY": "fuzz"}
    logs = tmp_path_factory.mktemp("gateway-fuzz")
    suffix = uuid.uuid4().hex[:8]

    def start(name: str) -> Deployed:
        database = create_database(postgres_server_url, f"fuzz_{name}_{suffix}")
        env = {**shared, **(gateway_env if name == "gateway" else backend_env)}
        return deploy(name, database, kafka_bootstrap, logs, env, workers=(), port=ports[name], ready_within=180)

    with ThreadPoolExecutor(len(SERVICES)) as pool:  # most of a deploy is waiting for migrations and the API
        futures = {name: pool.submit(start, name) for name in SERVICES}
    deployed = {name: f.result() for name, f in futures.items() if f.exception() is None}
    try:
        failed = {name: f.exception() for name, f in futures.items() if f.exception() is not None}
        assert not failed, f"not started: {failed}; logs in {logs}"
        pseudonyms = Pseudonyms(SECRETS["MEEMAKEN_PSEUDONYM_KEY"].encode(), "demo")
        logins = {}
        for role in PEOPLE:  # one at a time: the mock provider is not thread-safe
            sid, csrf = log_in(urls["gateway"], f"fuzz-{role}")
            logins[role] = Login(sid, csrf, str(pseudonyms.person_id(issuer, f"fuzz-{role}")))
        yield Stack(urls["gateway"], deployed, logins, logs)
    finally:
        with ThreadPoolExecutor(len(SERVICES)) as pool:  # side by side: each takes seconds to stop cleanly
            codes = dict(zip(deployed, pool.map(Deployed.stop, deployed.values()), strict=True))
        server.shutdown()
    assert all(set(c) == {0} for c in codes.values()), f"exit codes: {codes}; logs in {logs}"


# --- every operation, by every caller ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "path"), list(operations()))
def test_no_input_through_the_gateway_gets_a_server_error_or_an_undocumented_answer(
    name: str, method: str, path: str, stack: Stack
) -> None:
    service = stack.service(name)
    operation = service.schema[service.gateway_path(path)][method]
    allowed = service.allowed(method, path)
    public = "public" in allowed
    failures = Failures()

    @fuzz_settings(EXAMPLES)
    @given(
        case=service.cases(operation, method, path),
        caller=st.sampled_from(service.callers(method, path)),
        data=st.data(),
    )
    def fuzz(case: Any, caller: str | None, data: st.DataObject) -> None:
        service.use_known_ids(case, data)
        login = stack.logins.get(caller or "")
        if login is not None:  # in place, so Schemathesis judges a case with the caller's session as valid
            case.cookies = {**(case.cookies or {}), COOKIE: login.sid}
        csrf = {"X-CSRFToken": login.csrf} if login is not None and method != "GET" else {}
        response = case.call(base_url=stack.url, session=service.http, headers=csrf, timeout=30)
        status = response.status_code

        def fail(why: str) -> None:
            failures.add(case, caller, status, why)

        if not failures.documented(case, response, caller):
            return
        # a path reaches the operation's view when the service's routes take it, and the gateway's: its route's
        # path converter stops at a line break (a 404 for anyone)
        path_sent = path_of(name, case.formatted_path)
        reached = name == "gateway" or ("\n" not in unquote(path_sent) and routed(service.routes, method, path_sent))
        # input that breaks the document may be refused as such first: the gateway's door refuses what no endpoint
        # takes, before anyone's login counts (tests/contract proves the services check the login first)
        invalid = (400, 422) if broken(case) or hostile(case) else ()
        if not public and reached and caller is None and status not in (401, *invalid):
            fail("nobody must get 401")
        refused = (401, 403, *invalid)
        if not public and reached and caller is not None and caller not in allowed and status not in refused:
            fail("a refused role must get 403")
        if 400 <= status < 500 and name != "gateway":
            if response.headers.get("content-type") != ["application/problem+json"]:
                fail("a refusal must be problem+json")
        elif status < 300:
            try:
                service.remember(response.json(), case.formatted_path)
            except ValueError:
                pass

    fuzz()
    failures.none()


def path_of(service: str, path: str) -> str:
    """``/api/<service>/v1/...`` at the gateway -> ``/api/v1/...`` on the service."""
    return "/api/" + path.removeprefix(f"/api/{service}/")


def broken(case: Any) -> bool:
    """Was any part of the case generated to break the document?"""
    meta = case.meta
    return meta is not None and any(c.mode == GenerationMode.NEGATIVE for c in meta.components.values())


def hostile(case: Any) -> bool:
    """Does the case's body or query hold what the gateway's door refuses for any endpoint (meemaken_kit.input_guard:
    integers beyond 64 bits, NUL, lone surrogates), though the document allows it?"""
    try:
        if isinstance(case.body, dict | list):
            check_json(json.dumps(case.body).encode())
        check_json(json.dumps(case.query or {}, default=str).encode())
    except (Refused, ValueError):
        return True
    return False


# --- workflows along the links Schemathesis infers, each step by a role the matrix allows ---------------


@pytest.mark.parametrize("name", BACKENDS)
def test_workflows_through_the_gateway_get_no_server_error_and_only_documented_answers(name: str, stack: Stack) -> None:
    service = stack.service(name)

    class Workflow(service.schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            original = f"/api/{case.path.removeprefix(f'/api/{name}/')}"
            allowed = sorted(service.allowed(case.method.upper(), original) - {"public"})
            login = stack.logins.get(allowed[0]) if allowed else None
            if login is not None:
                case.cookies = {**(case.cookies or {}), COOKIE: login.sid}
                case.headers = {**(case.headers or {}), "X-CSRFToken": login.csrf}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": stack.url, "session": service.http, "timeout": 30}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Workflow,
        settings=workflow_settings(WORKFLOWS, 6),
    )


# --- what only the gateway can break ------------------------------------------------------------------

ODD_METHODS = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "get",
    "BREW",
]
ODD_SEGMENTS = [
    *SERVICES,
    "nope",
    "v1",
    "proposals",
    "",
    ".",
    "..",
    "%2e%2e",
    "%2E%2e%2F",
    "%2F",
    "%252F",
    "..%2F..%2F",
    "%00",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%FF%FE",
    "%zz",
    "..;",
    "%3B",
    "\\..\\",
    "*",
    "a" * 5000,
]
ODD_QUERIES = [
    "",
    "?limit=%ED%A0%80",
    "?process_id=%ED%B0%80x",
    "?offset=%00",
    "?offset=99999999999999999999999",
    "?%",
    "?=&=&",
    "?a=1&a=2&a=3",
    "?status=%FF",
    "?" + "x=1&" * 2000,
]
ODD_HEADERS = st.sampled_from(
    [
        ("X-Big", "a" * 8_000),
        ("X-Bigger", "b" * 70_000),
        ("Cookie", f"{COOKIE}=" + "%ED%A0%80" * 10),
        ("Cookie", f"{COOKIE}=; {COOKIE}=x; {COOKIE}"),
        ("X-CSRFToken", "\u00ff" * 40),
        ("Accept", "*/*;q=NaN, text/html;q=-1"),
        ("Accept-Language", "\u00ff\u00fe;q=2, *;q=0.5, zz-ZZ"),
        ("Accept-Encoding", "gzip;q=2, br, zstd, *"),
        ("Content-Type", "application/json; charset=utf-16"),
        ("Content-Type", "multipart/form-data; boundary="),
        ("Content-Type", "\u00ff/\u00ff"),
        ("Authorization", "Bearer " + "e30." * 3),
        ("Authorization", "Bearer"),
        ("Authorization", "Basic %%%"),
        ("If-None-Match", '"' + "x" * 3000),
        ("Range", "bytes=99999999999999999999-"),
        ("X-Correlation-ID", "\u00ff" * 300),
        ("Traceparent", "00-" + "f" * 32 + "-" + "0" * 16 + "-01"),
        ("Origin", "null"),
        ("Host", "evil.example"),
        ("X-Forwarded-For", "1.2.3.4, " * 300),
        ("Expect", "100-continue"),
        ("Connection", "close, upgrade"),
        ("Upgrade", "websocket"),
    ]
)
ODD_BODIES = st.sampled_from([b"", b"{}", b"[" * 10_000, b'{"title": "\\ud800"}', b"\x00\xff\xfe", b"x" * 200_000])


def raw_request(url: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> int | None:
    """One request as bytes on a fresh connection: the status line's code, or None when the server closed
    without answering (as it may for a request it cannot read)."""
    parts = urlsplit(url)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers)]
    if body and not any(k.lower() == "content-length" for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    data = "\r\n".join([*lines, "Connection: close", "", ""]).encode("latin-1", "replace") + body
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading (a header too large): its answer, if any, is still there
        try:
            first = sock.makefile("rb").readline(1000)
        except ConnectionResetError:
            return None
    code = first.split(b" ")[1] if first.startswith(b"HTTP/1.") and first.count(b" ") >= 1 else b""
    return int(code) if code.isdigit() else None


def test_no_request_gets_a_server_error_from_the_gateway(stack: Stack) -> None:
    """Odd methods, paths (traversal, encoded slashes, NUL, lone surrogates), queries, headers and bodies, with
    and without a login: the gateway answers each with less than 500 (or closes a request it cannot read)."""
    resident = stack.logins["resident"]
    answered: list[tuple[int | None, str]] = []

    @settings(max_examples=80, deadline=None, derandomize=DERANDOMIZE, database=None, phases=[Phase.generate])
    @given(
        method=st.sampled_from(ODD_METHODS),
        segments=st.lists(st.sampled_from(ODD_SEGMENTS), min_size=1, max_size=4),
        query=st.sampled_from(ODD_QUERIES),
        headers=st.lists(ODD_HEADERS, max_size=3),
        body=ODD_BODIES,
        logged_in=st.booleans(),
    )
    def hostile(
        method: str, segments: list[str], query: str, headers: list[tuple[str, str]], body: bytes, logged_in: bool
    ) -> None:
        login = [("Cookie", f"{COOKIE}={resident.sid}"), ("X-CSRFToken", resident.csrf)] if logged_in else []
        target = "/api/" + "/".join(segments) + query
        status = raw_request(stack.url, method, target, [*login, *headers], body)
        answered.append((status, f"{method} {target[:200]} {[h[0] for h in headers]}"))
        assert status is None or status < 500, f"{status} for {method} {target[:300]} with {headers}"

    hostile()
    assert sum(1 for status, _ in answered if status is not None) > len(answered) // 2, answered[:20]
    assert requests.get(f"{stack.url}/healthz", timeout=10).status_code == 200


def foreign_token(audience: str, role: str, sub: str) -> str:
    """A token that looks like the gateway's but is signed by a key nobody trusts."""
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"sub": sub, "aud": audience, "iss": "urn:meemaken:gateway:development", "iat": now, "exp": now + 300}
    return jwt.encode(claims | {"roles": [role]}, key, algorithm="RS256")


def test_forged_identity_never_reaches_a_service_as_identity(stack: Stack) -> None:
    """Identity is the gateway's session (or a bearer token for the gateway), never a header a caller writes: an
    audit only the administrator may read, and a person's inbox only they may read."""
    proposal = stack.service("proposals").known_ids("proposal_id")[0]
    audit = f"{stack.url}/api/proposals/v1/proposals/{proposal}/audit"
    admin, resident = stack.logins["administrator"], stack.logins["resident"]
    admin_inbox = f"{stack.url}/api/notifications/v1/residents/{admin.person_id}/messages"
    own_inbox = f"{stack.url}/api/notifications/v1/residents/{resident.person_id}/messages"

    def get(url: str, caller: Login | None, headers: dict[str, str]) -> int:
        session = {"Cookie": f"{COOKIE}={caller.sid}"} if caller else {}
        return requests.get(url, headers=session | headers, timeout=30).status_code

    # what counts: the administrator's session reads the audit, a resident their own inbox, with their session
    # or with a token for the gateway (an API client)
    assert get(audit, admin, {}) == 200
    assert get(own_inbox, resident, {}) == 200
    for_gateway = token("gateway", "resident", sub=resident.person_id, attrs={"municipality": "demo"})
    assert get(own_inbox, None, {"Authorization": f"Bearer {for_gateway}"}) == 200

    forged_headers = {
        "X-Meemaken-Actor": admin.person_id,
        "X-Meemaken-Role": "administrator",
        "X-Meemaken-Roles": "administrator",
        "X-Meemaken-Subject": admin.person_id,
        "X-Forwarded-User": admin.person_id,
    }
    # a token the proposals service itself would take (signed with this machine's development key): never
    # passed on by the gateway, which takes only tokens for itself
    for_service = token("proposals", "administrator", sub=admin.person_id)
    for_notifications = token("notifications", "resident", sub=admin.person_id, attrs={"municipality": "demo"})
    foreign = foreign_token("gateway", "administrator", admin.person_id)
    unsigned = jwt_none({"sub": admin.person_id, "aud": "gateway", "roles": ["administrator"]})
    for forged in (
        forged_headers,
        {"Authorization": f"Bearer {for_service}"},
        {"Authorization": f"Bearer {for_notifications}"},
        {"Authorization": f"Bearer {foreign}"},
        {"Authorization": f"Bearer {unsigned}"},
    ):
        assert get(audit, None, forged) == 401, forged
        assert get(audit, resident, forged) in (401, 403), forged
        assert get(admin_inbox, None, forged) == 401, forged
        assert get(admin_inbox, resident, forged) in (401, 403), forged


def jwt_none(claims: dict[str, Any]) -> str:
    """An unsigned token (``alg: none``)."""
    import base64

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
