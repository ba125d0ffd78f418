"""Every endpoint x every role, from the matrix in docs/roles/<service>.md, against each service's app.

The matrix names every operation of the service's OpenAPI document and agrees with what the code
declares (``@public``, ``@allow``). Then each operation is called as nobody (with forged identity
headers) and with a token for each role: a refused caller gets 401 (nobody) or 403 (a role) and
nothing changes in the database; an allowed one is not refused for its role (a made-up resource may
still be missing or, for ``(own)`` and ``(scoped)`` rows, not theirs).
"""

from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meemaken_kit import Settings, make_engine, migrate
from meemaken_kit.auth import allowed_roles, is_public
from meemaken_kit.roles import ROLES
from meemaken_testkit.tokens import RESIDENT_ATTRS, token

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("proposals", "challenges", "panels", "notifications")
OPERATIONS_PATHS = {"/healthz", "/readyz", "/metrics", "/api/openapi.json"}
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(\S+)\s*\|\s*([^|]+?)\s*\|\s*$")


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    public: bool
    roles: frozenset[str]  # role names and service:<scope>
    qualified: frozenset[str]  # roles marked (own) or (scoped): a made-up resource may answer 403


def read_matrix(service: str) -> list[Rule]:
    path = ROOT / "docs" / "roles" / f"{service}.md"
    rules = []
    for line in path.read_text().splitlines():
        match = ROW.match(line)
        if not match:
            continue
        method, route, who = match.groups()
        entries = [entry.strip() for entry in who.split(",") if entry.strip()]
        names, qualified = set(), set()
        for entry in entries:
            name, _, qualifier = entry.partition(" ")
            names.add(name)
            if qualifier.strip() in ("(own)", "(scoped)"):
                qualified.add(name)
        rules.append(Rule(method, route, names == {"public"}, frozenset(names - {"public"}), frozenset(qualified)))
    return rules


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any, sa.Engine]:
    name = request.param
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'db.sqlite'}"
    bootstrap = importlib.import_module(f"{name}.bootstrap")
    migrate(bootstrap.SERVICE.migrations_dir, url)
    engine = make_engine(url)
    app = bootstrap.create_app(Settings.from_env(name, {"DATABASE_URL": url}), engine)
    return name, app, engine


def operations(app: Any) -> set[tuple[str, str]]:
    spec = app.extensions["meemaken"]["api"].spec.to_dict()
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete") and path not in OPERATIONS_PATHS
    }


def test_the_matrix_names_every_operation_and_only_those(service: tuple[str, Any, sa.Engine]) -> None:
    name, app, _ = service
    documented = {(rule.method, rule.path) for rule in read_matrix(name)}
    assert documented, f"docs/roles/{name}.md has no table rows"
    assert operations(app) - documented == set(), f"operations missing from docs/roles/{name}.md"
    assert documented - operations(app) == set(), f"docs/roles/{name}.md names operations that do not exist"


def _endpoint(app: Any, method: str, path: str) -> str:
    flask_path = re.sub(r"\{(\w+)\}", r"<\1>", path)
    for rule in app.url_map.iter_rules():
        if re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule) == flask_path and method in (rule.methods or ()):
            return str(rule.endpoint)
    raise AssertionError(f"no route for {method} {path}")


def test_the_code_declares_what_the_matrix_says(service: tuple[str, Any, sa.Engine]) -> None:
    name, app, _ = service
    for rule in read_matrix(name):
        endpoint = _endpoint(app, rule.method, rule.path)
        assert is_public(app, endpoint, rule.method) == rule.public, f"{rule.method} {rule.path}: public?"
        if not rule.public:
            declared = allowed_roles(app, endpoint, rule.method)
            assert declared == rule.roles, f"{rule.method} {rule.path}: code allows {declared}, matrix {rule.roles}"


def _concrete(path: str, spec: dict[str, Any]) -> str:
    """The path with made-up values of the types its OpenAPI parameters say."""
    item = spec["paths"].get(path, {})
    parameters = list(item.get("parameters", []))
    for operation in item.values():
        parameters += operation.get("parameters", []) if isinstance(operation, dict) else []
    types = {p["name"]: p.get("schema", {}) for p in parameters if p.get("in") == "path"}

    def value(match: re.Match[str]) -> str:
        schema = types.get(match.group(1), {})
        if schema.get("type") == "integer":
            return "1"
        if schema.get("format") == "uuid" or match.group(1).endswith("id"):
            return str(uuid.uuid4())
        return "x-1"

    return re.sub(r"\{(\w+)\}", value, path)


def _rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {t: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in names}


def callers(rule: Rule, audience: str) -> list[tuple[str, dict[str, str], bool]]:
    """(label, headers, allowed) for nobody, every role, and the service scopes the rule names."""
    # Nobody, claiming to be an administrator in the headers the services used to believe.
    forged = {"X-Meemaken-Role": "administrator", "X-Meemaken-Actor": str(uuid.uuid4())}
    found: list[tuple[str, dict[str, str], bool]] = [("nobody", forged, rule.public)]
    for role in ROLES:
        attrs = RESIDENT_ATTRS if role == "resident" else {}
        bearer = {"Authorization": f"Bearer {token(audience, role, attrs=attrs)}"}
        found.append((role, bearer, rule.public or role in rule.roles))
    for entry in sorted(rule.roles):
        if entry.startswith("service:"):
            scoped = token(audience, "service", sub="service:test", scope=[entry.removeprefix("service:")])
            found.append((entry, {"Authorization": f"Bearer {scoped}"}, True))
    return found


def test_every_role_on_every_operation(service: tuple[str, Any, sa.Engine]) -> None:
    name, app, engine = service
    client = app.test_client()
    spec = app.extensions["meemaken"]["api"].spec.to_dict()
    failures = []
    for rule in read_matrix(name):
        path = _concrete(rule.path, spec)
        for label, headers, allowed in callers(rule, name):
            before = _rows(engine) if not allowed else {}
            kwargs: dict[str, Any] = {"headers": headers}
            if rule.method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = {}
            response = client.open(path, method=rule.method, **kwargs)
            status = response.status_code
            if status >= 500:
                failures.append(f"{rule.method} {rule.path} as {label}: {status}")
            elif not allowed:
                if status not in (401, 403):
                    failures.append(f"{rule.method} {rule.path} as {label}: {status}, expected refusal")
                elif label == "nobody" and status != 401:
                    failures.append(f"{rule.method} {rule.path} anonymous: {status}, expected 401")
                if _rows(engine) != before:
                    failures.append(f"{rule.method} {rule.path} as {label}: refused but the database changed")
            elif status == 401 or (status == 403 and label not in rule.qualified and not _domain_refusal(response)):
                failures.append(f"{rule.method} {rule.path} as {label}: {status}, expected the role to be let in")
    assert not failures, "\n".join(failures)


def _domain_refusal(response: Any) -> bool:
    """A 403 that is not about the role (e.g. not eligible to vote) lets the role in."""
    body = response.get_json(silent=True) or {}
    return body.get("title") not in (None, "Forbidden")
