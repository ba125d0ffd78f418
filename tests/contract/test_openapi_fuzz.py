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
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
import sqlalchemy as sa
from fuzz_kit import (
    CHECKS,
    DERANDOMIZE,
    EXAMPLES,
    ROOT,
    SERVICES,
    WORKFLOWS,
    Failures,
    Fuzzed,
    Seed,
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

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.tokens import RESIDENT_ATTRS, token

NOT_COUNTED = {"idempotency_keys"}  # a refused request's key is kept so its retry answers the same


@dataclass
class Service(Fuzzed):
    app: Any = None
    engine: Any = None
    subjects: dict[str, str] = field(default_factory=dict)

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

    def seed(self, seeds: list[Seed]) -> None:
        client, got = self.app.test_client(), []
        for method, template, caller, body in seeds:
            path, json_body = filled(template, body, got)
            answer = client.open(path, method=method, json=json_body, headers=self.headers(caller))
            assert answer.status_code < 300, f"seed {method} {path}: {answer.status_code} {answer.get_data(True)}"
            got.append(answer.get_json()["id"])
            self.remember(answer.get_json(), template.format(*got))

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
    service = Service(name, schema, matrix(name), app=app, engine=engine)
    service.seed(seeds().get(name, []))
    return service


@pytest.mark.parametrize(("name", "method", "path"), list(operations()))
def test_no_generated_input_gets_a_server_error_or_an_undocumented_answer(
    name: str, method: str, path: str, services: Callable[[str], Service]
) -> None:
    service = services(name)
    operation = service.schema[path][method]
    allowed = service.allowed(method, path)
    public = "public" in allowed
    strategy = service.cases(operation, method, path)
    failures = Failures()

    @fuzz_settings(EXAMPLES)
    @given(case=strategy, caller=st.sampled_from(service.callers(method, path)), data=st.data())
    def fuzz(case: Any, caller: str | None, data: st.DataObject) -> None:
        service.use_known_ids(case, data)
        if caller is not None:  # in place, so Schemathesis re-judges a case that lacked the header as valid
            case.headers = {**(case.headers or {}), **service.headers(caller)}
        before = service.fingerprint() if method != "GET" else ""
        response = case.call()
        status = response.status_code

        def fail(why: str) -> None:
            failures.add(case, caller, status, why)

        if not failures.documented(case, response, caller):
            return
        guarded = not public and routed(service.app, method, case.formatted_path)
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
    failures.none()


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


@pytest.mark.parametrize(("name", "method", "path"), [p for p in operations() if p.values[0] != "gateway"])
def test_every_place_of_every_endpoint_refuses_hostile_input_naming_it_and_changes_nothing(
    name: str, method: str, path: str, services: Callable[[str], Service]
) -> None:
    service = services(name)
    places = _places(service.schema.raw_schema, method, path)
    if not places:
        return
    allowed = sorted(service.allowed(method, path) - {"public"})
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


@pytest.mark.parametrize("name", [s for s in SERVICES if s != "gateway"])  # the gateway has no linked operations
def test_workflows_along_the_documents_links_get_no_server_error_and_only_documented_answers(
    name: str, services: Callable[[str], Service]
) -> None:
    service = services(name)

    class Workflow(service.schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            allowed = sorted(service.allowed(case.method.upper(), case.path) - {"public"})
            if allowed:
                case.headers = {**(case.headers or {}), **service.headers(allowed[0])}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    logging.disable(logging.WARNING)
    try:
        run_state_machine_as_test(
            Workflow,
            settings=workflow_settings(WORKFLOWS, 8),
        )
    finally:
        logging.disable(logging.NOTSET)
