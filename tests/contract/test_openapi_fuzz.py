"""Schemathesis against every committed OpenAPI document (services/*/openapi.json): no generated input,
valid or not, gets a 5xx, and every answer is one the document promises.

Each operation is fuzzed in-process (the Flask app, a fresh SQLite database) with inputs that fit its
document and inputs that break it, sent by every caller the role matrix (docs/roles/<service>.md)
allows, with a real gateway token, by a role it refuses, and by nobody. For every answer:

- no 5xx; the status, content type, headers and body are the ones the document declares;
- input that breaks the document is refused (4xx), and every refusal is problem+json (RFC 9457);
- nobody on an endpoint that is not public gets 401, a refused role 401/403, never a validation answer;
- a refused request changes nothing in the database (idempotency keys aside: a retry gets the same 4xx).

To reach the handlers' domain logic instead of stopping at 404 or 422: each service is seeded with a
resource of each kind through its API, path parameters are often the ids of resources the run has seen,
and a seeded body is also sent with one field made odd. Besides, per endpoint, each class of hostile
input (out-of-range integers, NUL, lone surrogates, NaN, deep nesting) at each field, query and path
parameter must be refused naming it; and per service, workflows follow the links Schemathesis infers.

Bounded (about a minute of CPU on the 2-core machine): ``MEEMAKEN_FUZZ_EXAMPLES`` examples per
operation (default 15), ``MEEMAKEN_FUZZ_WORKFLOWS`` workflows per service (default 8), derandomized so
a run is repeatable; ``MEEMAKEN_FUZZ_SEED=random`` (with more examples) explores afresh.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from meemaken_kit import Settings, make_engine, migrate
from meemaken_kit.input_guard import INT_MAX, INT_MIN
from meemaken_kit.roles import ROLES
from meemaken_testkit.tokens import RESIDENT_ATTRS, token

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("proposals", "challenges", "panels", "notifications", "gateway")
EXAMPLES = int(os.environ.get("MEEMAKEN_FUZZ_EXAMPLES", "15"))
DERANDOMIZE = os.environ.get("MEEMAKEN_FUZZ_SEED") != "random"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
NOT_COUNTED = {"idempotency_keys"}  # a refused request's key is kept so its retry answers the same
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(\S+)\s*\|\s*([^|]+?)\s*\|\s*$")
ID_KEY = re.compile(r"(^|_)id$")


def _seeds() -> dict[str, list[tuple[str, str, str, dict[str, Any]]]]:
    """What each service holds before the fuzzing starts: (method, path, caller, body), in order; a path
    may name the id an earlier seed got (``{0}``: the first seed's). Their ids become path parameters."""
    now = datetime.now(UTC)
    year = {"starts_at": (now - timedelta(days=30)).isoformat(), "ends_at": (now + timedelta(days=335)).isoformat()}
    call = {"municipality": "demo", "title": "Proposals call", "kind": "proposals_call"}
    budget = {"municipality": "demo", "title": "Citizen budget", "kind": "budget_round"}
    task = {
        "title": "Public library De Linde",
        "description": "Running the neighbourhood library.",
        "department": "culture",
        "current_yearly_cost_cents": 12_000_000,
        "budget_cents": 11_000_000,
        "profile": "flanders",
        "eligible_legal_forms": ["vzw", "stichting", "charity"],
        "min_members": 5,
        "windows": [{"opens_at": year["starts_at"], "closes_at": year["ends_at"]}],
    }
    submission = {
        "why_better": "We already run the community centre next door and can open the library on Sundays.",
        "capacity_and_finances": "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
        "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
        "cost_estimate_cents": 9_500_000,
        "quality_guarantees": "Opening hours at least as today; yearly survey of users.",
        "continuity_and_exit": "Six months' notice; staff and keys return to the municipality.",
        "support_asked": "Use of the building free of rent.",
    }
    group = {"name": "Buurtwerking De Linde", "legal_form": "vzw", "members_count": 35, "co_initiator_ids": []}
    panel = {
        "question": "How should the old station square be used?",
        "theme": "public space",
        "mandate": "adviseren",
        "size": 6,
        "alternates": 2,
        "features": {"gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}}},
        "household_rule": True,
        "min_age": 16,
        "open_registration": True,
    }
    return {
        "proposals": [
            (
                "POST",
                "/api/v1/processes",
                "case_officer",
                call | {"id": "fuzz-call", "phases": [{"name": "proposals", "rung_promised": "adviseren", **year}]},
            ),
            (
                "POST",
                "/api/v1/processes",
                "case_officer",
                budget | {"id": "fuzz-budget", "phases": [{"name": "round", "rung_promised": "meebeslissen", **year}]},
            ),
            (
                "POST",
                "/api/v1/proposals",
                "resident",
                {
                    "process_id": "fuzz-call",
                    "title": "Safer school streets",
                    "text": "Close the street in front of the school for cars at the start and end of the day.",
                },
            ),
            (
                "POST",
                "/api/v1/rounds",
                "case_officer",
                {
                    "process_id": "fuzz-budget",
                    "title": "Citizen budget",
                    "budget": 100_000,
                    "rule": "greedy",
                    "form": {"kind": "approval"},
                },
            ),
            ("POST", "/api/v1/rounds/{3}/projects", "resident", {"title": "Benches", "cost": 60_000}),
        ],
        "challenges": [
            ("POST", "/api/v1/tasks", "case_officer", task),
            (
                "POST",
                "/api/v1/challenges",
                "group_representative",
                {"task_id": "{0}", "group": group, "submission": submission},
            ),
        ],
        "panels": [("POST", "/api/v1/panels", "panel_coordinator", panel)],
    }


def _matrix(service: str) -> dict[tuple[str, str], set[str]]:
    """(method, path) -> who (role names, ``service:<scope>``, or ``public``) from docs/roles/<service>.md."""
    found = {}
    for line in (ROOT / "docs" / "roles" / f"{service}.md").read_text().splitlines():
        if match := ROW.match(line):
            method, path, who = match.groups()
            found[(method, path)] = {entry.split(" ")[0] for entry in (w.strip() for w in who.split(",")) if entry}
    return found


def _operations() -> Iterator[Any]:
    for service in SERVICES:
        document = json.loads((ROOT / "services" / service / "openapi.json").read_text())
        for path, item in sorted(document["paths"].items()):
            for method in sorted(m for m in item if m in ("get", "post", "put", "patch", "delete")):
                yield pytest.param(service, method.upper(), path, id=f"{service} {method.upper()} {path}")


@dataclass
class Service:
    name: str
    app: Any
    engine: sa.Engine
    schema: Any
    matrix: dict[tuple[str, str], set[str]]
    subjects: dict[str, str] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)  # ids seen in answers, by the key that held them

    def headers(self, caller: str | None) -> dict[str, str]:
        """A fresh gateway token for the caller (one subject per role, so "own" resources stay theirs)."""
        if caller is None:
            return {}
        if caller.startswith("service:"):
            scope = caller.removeprefix("service:")
            return {"Authorization": f"Bearer {token(self.name, 'service', sub='service:fuzz', scope=[scope])}"}
        if caller not in self.subjects:  # their own id is one a path may name (a person's contact, inbox)
            self.subjects[caller] = str(uuid.uuid4())
            for parameter in ("person_id", "resident_id"):
                self.ids.setdefault(parameter, set()).add(self.subjects[caller])
        sub = self.subjects[caller]
        attrs = RESIDENT_ATTRS if caller in ("resident", "group_representative") else {}
        return {"Authorization": f"Bearer {token(self.name, caller, sub=sub, attrs=attrs)}"}

    def seed(self, seeds: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        client, got = self.app.test_client(), []
        for method, path, caller, body in seeds:
            filled = json.loads(json.dumps(body).replace('"{0}"', json.dumps(got[0] if got else "")))
            answer = client.open(path.format(*got), method=method, json=filled, headers=self.headers(caller))
            assert answer.status_code < 300, f"seed {method} {path}: {answer.status_code} {answer.get_data(True)}"
            got.append(answer.get_json()["id"])
            self.remember(answer.get_json(), path.format(*got))

    def remember(self, body: Any, path: str = "") -> None:
        """Keep the ids an answer names, to use them as path parameters later: ``<thing>_id`` under its
        name, and the ``id`` of what ``path`` lists or makes under the parameter of that resource's
        own path (``/api/v1/rounds`` answers a round: ``round_id`` of ``/api/v1/rounds/{round_id}``)."""
        if isinstance(body, list):
            for item in body[:20]:
                self.remember(item, path)
        elif isinstance(body, dict):
            for key, value in body.items():
                if isinstance(value, str) and ID_KEY.search(key) and len(value) < 100:
                    name = self.item_parameter(path) if key == "id" else key
                    self.ids.setdefault(name or key, set()).add(value)
                elif isinstance(value, dict | list):
                    self.remember(value)

    def item_parameter(self, path: str) -> str | None:
        """The parameter naming one of what ``path`` lists: ``round_id`` for ``/api/v1/rounds``."""
        for template in self.schema.raw_schema["paths"]:
            if match := re.fullmatch(re.escape(path) + r"/\{(\w+)\}", template):
                return match.group(1)
        return None

    def fingerprint(self) -> str:
        """Every row of every table (idempotency keys aside), hashed: did a request change anything?"""
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for table in sorted(sa.inspect(conn).get_table_names()):
                if table in NOT_COUNTED:
                    continue
                digest.update(table.encode())
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()


def _gateway_app(url: str, engine: sa.Engine) -> Any:
    from gateway.bootstrap import create_app
    from gateway.settings import GatewaySettings

    env = {
        "MEEMAKEN_ENV": "development",
        "MEEMAKEN_PSEUDONYM_KEY": "fuzz-pseudonym-key-of-at-least-32-characters",
        "MEEMAKEN_GATEWAY_SECRET_KEY": "fuzz-secret-key",
        "MEEMAKEN_PUBLIC_URL": "http://localhost",
        "MEEMAKEN_OIDC_CLIENT_SECRET": "gateway-secret-for-fuzz",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "NOTIFICATIONS_CLIENT_SECRET": "notifications-secret-for-fuzz",
        "PANELS_CLIENT_SECRET": "panels-secret-for-fuzz",
    }
    app = create_app(Settings.from_env("gateway", {"DATABASE_URL": url}), engine, GatewaySettings.from_env(env))
    app.testing = True
    return app


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Service]]:
    """``services(name)``: the service's app on its own SQLite database, made once for the module."""
    made: dict[str, Service] = {}

    def get(name: str) -> Service:
        if name not in made:
            made[name] = _start(name, tmp_path_factory.mktemp(name))
        return made[name]

    yield get
    for service in made.values():
        service.engine.dispose()


def _start(name: str, tmp: Path) -> Service:
    url = f"sqlite:///{tmp / f'{name}.sqlite'}"
    bootstrap = importlib.import_module(f"{name}.bootstrap")
    migrate(bootstrap.SERVICE.migrations_dir, url)
    engine = make_engine(url)
    if name == "gateway":
        app = _gateway_app(url, engine)
    else:
        app = bootstrap.create_app(Settings.from_env(name, {"DATABASE_URL": url}), engine)
    schema = schemathesis.openapi.from_path(ROOT / "services" / name / "openapi.json")
    # Undeclared query parameters and headers are ignored, as HTTP APIs do (webargs EXCLUDE): not negative input.
    schema.config.generation.update(allow_extra_parameters=False)
    schema.app = app
    service = Service(name, app, engine, schema, _matrix(name))
    service.seed(_seeds().get(name, []))
    return service


def _callers(service: Service, method: str, path: str) -> list[str | None]:
    """Nobody, every role the matrix allows, and one role it refuses."""
    allowed = service.matrix.get((method, path), {"public"}) - {"public"}
    refused = [role for role in ROLES if role not in allowed]
    # Hypothesis leans to the first choices: the allowed roles, so most examples reach the handler.
    return [*sorted(allowed), *refused[:1], None] if allowed else ["resident", None]


def _known_ids(service: Service, parameter: str) -> list[str]:
    """Ids the run has seen that may fit a path parameter: under its own name, else any."""
    return sorted(service.ids.get(parameter) or set().union(*service.ids.values()))


ODD_TEXT = st.one_of(
    st.from_regex(r"[0-9]{9,12}", fullmatch=True),  # reads as a national number or a phone number
    st.text(max_size=20),
    st.sampled_from(["", " ", "-", "0", "a" * 10_001, "\u200b", "\uff33afer school streets", "mobility-2027"]),
)
ODD_NUMBERS = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, INT_MAX, INT_MIN, 1e308, -0.0, 0.5]),
    st.integers(-(2**70), 2**70),
)


def _odd_like(value: Any) -> st.SearchStrategy[Any]:
    """Values a field that holds ``value`` might get from a careless or hostile client."""
    if isinstance(value, dict):
        return (
            _one_field_odd(value) if value else st.dictionaries(st.text(max_size=5), ODD_TEXT, max_size=2)
        ) | st.none()
    if isinstance(value, list):
        item = _odd_like(value[0]) | st.just(value[0]) if value else ODD_TEXT
        return st.lists(item, max_size=4) | st.none() | ODD_TEXT
    if isinstance(value, bool):
        return st.sampled_from([not value, None, "true", 0])
    if isinstance(value, int | float):
        return ODD_NUMBERS | st.none() | ODD_TEXT
    return ODD_TEXT | st.none() | ODD_NUMBERS


def _one_field_odd(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(sorted(body)).flatmap(lambda key: _odd_like(body[key]).map(lambda odd: {**body, key: odd}))


def _path_is_valid(case: Any) -> bool:
    """Only a path generated valid may become a known resource's: a negative one keeps what it tests."""
    meta = case.meta
    component = meta.components.get(ParameterLocation.PATH) if meta is not None else None
    return component is None or component.mode == GenerationMode.POSITIVE


def _routed(app: Any, method: str, path: str) -> bool:
    """Does the path reach the operation's view? One whose parameters fit no route is a 404 for anyone."""
    try:
        app.url_map.bind("localhost").match(path, method)
    except HTTPException:
        return False
    return True


@pytest.mark.parametrize(("name", "method", "path"), list(_operations()))
def test_no_generated_input_gets_a_server_error_or_an_undocumented_answer(
    name: str, method: str, path: str, services: Callable[[str], Service]
) -> None:
    service = services(name)
    operation = service.schema[path][method]
    allowed = service.matrix.get((method, path), {"public"})
    public = "public" in allowed
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    seed = next((b for m, p, _, b in _seeds().get(name, []) if (m, p) == (method, path)), None)
    if seed is not None:  # a body the service takes, with one field made odd: past validation, into the domain
        strategies.append(
            _one_field_odd(seed).map(lambda body: operation.Case(body=body, media_type="application/json"))
        )
    strategy = st.one_of(*strategies)
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, caller=st.sampled_from(_callers(service, method, path)), data=st.data())
    def fuzz(case: Any, caller: str | None, data: st.DataObject) -> None:
        for parameter in list(case.path_parameters or {}) if _path_is_valid(case) else []:
            known = _known_ids(service, parameter)
            # One draw whose bounds never change as the pool grows (Hypothesis replays examples).
            pick = data.draw(st.integers(-(2**16), 2**16), label=f"known {parameter}")
            if known and pick >= 0:
                case.path_parameters[parameter] = known[pick % len(known)]
        if caller is not None:  # in place, so Schemathesis re-judges a case that lacked the header as valid
            case.headers = {**(case.headers or {}), **service.headers(caller)}
        before = service.fingerprint() if method != "GET" else ""
        response = case.call()
        status = response.status_code

        def fail(why: str) -> None:
            failures.append(f"{method} {path} as {caller or 'nobody'} -> {status}: {why}\n{case.as_curl_command()}")

        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # a FailureGroup: keep it and go on
            fail(str(error))
            return
        guarded = not public and _routed(service.app, method, case.formatted_path)
        if guarded and caller is None and status != 401:
            fail("nobody must get 401")
        if guarded and caller is not None and caller not in allowed and status not in (401, 403):
            fail("a refused role must get 403")
        if 400 <= status < 500:
            if name != "gateway" and response.headers.get("content-type") != ["application/problem+json"]:
                fail("a refusal must be problem+json")
            if before and service.fingerprint() != before:
                fail("refused but the database changed")
        elif status < 300:
            try:
                service.remember(json.loads(response.content), case.formatted_path)
            except ValueError:
                pass

    logging.disable(logging.WARNING)  # the services log every refusal; a 5xx still logs its traceback
    try:
        fuzz()
    finally:
        logging.disable(logging.NOTSET)
    assert not failures, f"{len(failures)} failing examples; the first:\n" + "\n\n".join(failures[:3])


# --- each class of hostile input, at every field, query parameter and path parameter of every endpoint

HOSTILE_INTEGERS = st.one_of(
    st.integers(min_value=2**63, max_value=2**200),
    st.integers(max_value=-(2**63) - 1, min_value=-(2**200)),
).map(str) | st.integers(20, 5000).map(lambda digits: "9" * digits)
HOSTILE_TEXT = st.tuples(st.text(max_size=5), st.sampled_from(["\x00", "\ud800", "\udfff"]), st.text(max_size=5)).map(
    "".join
)


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The object a ``$ref`` (``#/components/...``) points at."""
    while "$ref" in item:
        target: Any = document
        for part in item["$ref"].split("/")[1:]:
            target = target[part]
        item = target
    return item


def _places(document: dict[str, Any], method: str, path: str) -> list[tuple[str, str]]:
    """(where, name): every body field (or ``x`` for a body without fields), query and path parameter."""
    operation = document["paths"][path][method.lower()]
    parameters = [*document["paths"][path].get("parameters", []), *operation.get("parameters", [])]
    resolved = [_resolve(document, p) for p in parameters]
    places = [(p["in"], p["name"]) for p in resolved if p["in"] in ("query", "path")]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        fields = sorted(_resolve(document, body.get("schema", {})).get("properties", {})) or ["x"]
        places += [("body", name) for name in fields]
    return places


def _hostile_request(where: str, name: str, raw: str, path: str, method: str) -> tuple[str, dict[str, Any]]:
    """The request with ``raw`` (JSON text of the hostile value) at the place; the rest made up."""
    value = json.loads(raw) if raw[0] != "9" and raw[0] != "-" else raw
    filled = re.sub(r"\{(\w+)\}", lambda m: quote(str(value), safe="") if m.group(1) == name else "x", path)
    if where == "path":
        return filled, {}
    if where == "query":
        return filled, {"query_string": {name: str(value)}}
    return filled, {"data": f'{{"{name}": {raw}}}', "content_type": "application/json"}


@pytest.mark.parametrize(("name", "method", "path"), [p for p in _operations() if p.values[0] != "gateway"])
def test_every_place_of_every_endpoint_refuses_hostile_input_naming_it_and_changes_nothing(
    name: str, method: str, path: str, services: Callable[[str], Service]
) -> None:
    service = services(name)
    places = _places(service.schema.raw_schema, method, path)
    if not places:
        return
    allowed = sorted(service.matrix.get((method, path), {"public"}) - {"public"})
    client = service.app.test_client()

    @settings(max_examples=12, deadline=None, derandomize=DERANDOMIZE, database=None, phases=[Phase.generate])
    @given(
        place=st.sampled_from(places),
        raw=HOSTILE_INTEGERS | HOSTILE_TEXT.map(json.dumps) | st.just("NaN") | st.just("[" * 1000 + "]" * 1000),
    )
    def hostile(place: tuple[str, str], raw: str) -> None:
        where, field_name = place
        if where != "body" and (raw[0] in "[N" or "\\ud" in raw or "\\udf" in raw):
            return  # nesting and NaN only exist in a body; a URL cannot carry a lone surrogate
        url, kwargs = _hostile_request(where, field_name, raw, path, method)
        headers = service.headers(allowed[0]) if allowed else {}
        before = service.fingerprint()
        response = client.open(url, method=method, headers=headers, **kwargs)
        label = f"{method} {url} with {where} {field_name} = {raw[:60]}: {response.status_code}"
        refusals = (400, 403, 404, 422) if where == "path" else (400, 404, 422)  # a digit string may be an id
        assert response.status_code in refusals, f"{label} {response.get_data(as_text=True)[:300]}"
        assert response.mimetype == "application/problem+json", label
        assert service.fingerprint() == before, f"{label}: the database changed"
        if response.status_code == 422 and where != "path" and raw[0] != "[":
            pointer = response.get_json()["errors"][0]["pointer"]
            assert pointer == (f"/{field_name}" if where == "body" else f"/query/{field_name}"), label

    logging.disable(logging.WARNING)
    try:
        hostile()
    finally:
        logging.disable(logging.NOTSET)


# --- workflows: sequences along the links Schemathesis infers from each document (a created resource's id
# feeds the operations that take it), each step sent by a role the matrix allows

WORKFLOWS = int(os.environ.get("MEEMAKEN_FUZZ_WORKFLOWS", "8"))


@pytest.mark.parametrize("name", [s for s in SERVICES if s != "gateway"])  # the gateway has no linked operations
def test_workflows_along_the_documents_links_get_no_server_error_and_only_documented_answers(
    name: str, services: Callable[[str], Service]
) -> None:
    service = services(name)

    class Workflow(service.schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            allowed = sorted(service.matrix.get((case.method.upper(), case.path), {"public"}) - {"public"})
            if allowed:
                case.headers = {**(case.headers or {}), **service.headers(allowed[0])}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    logging.disable(logging.WARNING)
    try:
        run_state_machine_as_test(
            Workflow,
            settings=settings(
                max_examples=WORKFLOWS,
                stateful_step_count=8,
                deadline=None,
                derandomize=DERANDOMIZE,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        logging.disable(logging.NOTSET)
