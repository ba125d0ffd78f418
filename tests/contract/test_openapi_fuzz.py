"""Schemathesis against every committed OpenAPI document (services/*/openapi.json): no generated input,
valid or not, gets a 5xx, and every answer is one the document promises.

Each operation is fuzzed in-process (the Flask app, a fresh SQLite database) with inputs that fit its
document and inputs that break it, sent by every caller the role matrix (docs/roles/<service>.md)
allows, with a real gateway token, by a role it refuses, and by nobody. For every answer:

- no 5xx; the status, content type, headers and body are the ones the document declares;
- input that breaks the document is refused (4xx), and every refusal is problem+json (RFC 9457);
- nobody on an endpoint that is not public gets 401, a refused role 401/403, never a validation answer;
- a refused request changes nothing in the database (idempotency keys aside: a retry gets the same 4xx).

Path parameters are sometimes the ids of resources the run itself created, so requests reach the
handlers' domain logic instead of stopping at 404.

Bounded: ``MEEMAKEN_FUZZ_EXAMPLES`` examples per operation (default 15), derandomized so a run is
repeatable; set ``MEEMAKEN_FUZZ_SEED=random`` for a fresh exploration.
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
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
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
        sub = self.subjects.setdefault(caller, str(uuid.uuid4()))
        attrs = RESIDENT_ATTRS if caller == "resident" else {}
        return {"Authorization": f"Bearer {token(self.name, caller, sub=sub, attrs=attrs)}"}

    def remember(self, body: Any) -> None:
        """Keep the ids an answer names (``id``, ``<thing>_id``), to use them as path parameters later."""
        if isinstance(body, dict):
            for key, value in body.items():
                if isinstance(value, str) and ID_KEY.search(key) and len(value) < 100:
                    self.ids.setdefault(key, set()).add(value)
                else:
                    self.remember(value)
        elif isinstance(body, list):
            for item in body[:20]:
                self.remember(item)

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
    schema.app = app
    return Service(name, app, engine, schema, _matrix(name))


def _callers(service: Service, method: str, path: str) -> list[str | None]:
    """Nobody, every role the matrix allows, and one role it refuses."""
    allowed = service.matrix.get((method, path), {"public"}) - {"public"}
    refused = [role for role in ROLES if role not in allowed]
    return [None, *sorted(allowed), *refused[:1]] if allowed else [None, "resident"]


def _known_ids(service: Service, parameter: str) -> list[str]:
    """Ids the run has seen that may fit a path parameter: under its own name, or as ``id``."""
    return sorted(service.ids.get(parameter, set()) | service.ids.get("id", set()))


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
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
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
        for parameter in list(case.path_parameters or {}):
            known = _known_ids(service, parameter)
            if known and data.draw(st.booleans(), label=f"known {parameter}"):
                case.path_parameters[parameter] = data.draw(st.sampled_from(known), label=parameter)
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
                service.remember(json.loads(response.content))
            except ValueError:
                pass

    logging.disable(logging.ERROR)  # the services log every refusal; a 5xx is reported below anyway
    try:
        fuzz()
    finally:
        logging.disable(logging.NOTSET)
    assert not failures, f"{len(failures)} failing examples; the first:\n" + "\n\n".join(failures[:3])
