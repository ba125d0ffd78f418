"""The access matrix of docs/roles/proposals.md, enumerated against the app: every endpoint of openapi.json
x every role (and anonymous, forged headers, service credentials). Refusals are 401/403 and change nothing;
who may act is never refused for who they are; scoped officials act only within their process."""

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from proposals_tokens import FORGED, MUNICIPALITY, official, resident, voters_reader

from meemaken_kit import Settings, make_engine, migrate
from meemaken_kit.roles import Role
from meemaken_testkit.tokens import bearer, service_bearer
from proposals.adapters.tables import metadata
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[4]
OPERATIONS = {"/healthz", "/readyz", "/metrics", "/api/openapi.json"}
PHASE = {"name": "ideas", "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
PROCESS = {"municipality": MUNICIPALITY, "title": "Mobility", "kind": "proposals_call"}
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def matrix():
    """(method, path) -> set of who, from the markdown table."""
    rows = {}
    for line in (ROOT / "docs" / "roles" / "proposals.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            rows[(cells[0], cells[1])] = {w.strip() for w in cells[2].split(",")}
    return rows


def documented():
    import json

    spec = json.loads((ROOT / "services" / "proposals" / "openapi.json").read_text())
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path not in OPERATIONS
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def callers():
    """Everyone the matrix speaks of, with a fresh token: name -> headers."""
    people = {role.value: official(role.value) for role in Role if role not in (Role.RESIDENT, Role.SERVICE)}
    return people | {
        "resident": resident(),
        "service:voters:read": voters_reader(),
        "service": bearer("proposals", "service", sub="service:notifications"),
        "service:contacts:write": bearer("proposals", "service", sub="service:panels", scope=["contacts:write"]),
    }


def allowed(who, caller):
    roles = {re.sub(r" \((own|scoped)\)$", "", w) for w in who}
    return "public" in who or caller in roles


def body_for(path, ids):
    bodies = {
        "/api/v1/proposals": {"process_id": "mobility-2027", "title": "Safer school streets", "text": TEXT},
        "/decline": {"reasons": [{"code": "unlawful", "detail": "Not lawful."}]},
        "/answer": {"position": "adopted", "reasons": "Yes."},
        "/merge": {"into_id": ids.get("into", str(uuid.uuid4())), "reasons": "The same."},
        "/split": {
            "parts": [{"title": "North part", "text": TEXT}, {"title": "South part", "text": TEXT}],
            "reasons": "Two.",
        },
        "/follow-ups": {"stage": "done", "note": "Done."},
        "/api/v1/processes": PROCESS
        | {"id": ids.get("new_process", "mobility-2027"), "phases": [PHASE | {"rung_promised": "adviseren"}]},
        "/realised": {"rung": "adviseren", "explanation": "As promised."},
        "/api/v1/ladders/{municipality}": {
            "rungs": ["informeren", "raadplegen", "adviseren", "coproduceren", "meebeslissen", "zelfbeheer"]
        },
        "/api/v1/rounds": {
            "process_id": "mobility-2027",
            "title": "Budget",
            "budget": 100,
            "form": {"kind": "approval"},
        },
        "/projects": {"title": "Benches", "cost": 10},
        "/assessment": {"feasible": True, "cost": 10, "legal_check": "Fine."},
        "/voting": {},
        "/ballot": {"projects": ["p1"]},
        "/paper-ballots": {"voter_id": str(uuid.uuid4()), "voter": {"age": 40, "resident": True}, "projects": ["p1"]},
        "/tracking": {"stage": "done", "note": "Done."},
        "/co-authors": {"code": "not-the-code"},
    }
    for suffix, body in bodies.items():
        if path == suffix or (suffix.startswith("/") and not suffix.startswith("/api") and path.endswith(suffix)):
            return body
    return None


def url(path, ids):
    values = {
        "proposal_id": ids.get("proposal", str(uuid.uuid4())),
        "round_id": ids.get("round", str(uuid.uuid4())),
        "process_id": ids.get("process", "no-such-process"),
        "phase": "ideas",
        "project_id": "p1",
        "municipality": MUNICIPALITY,
        "attachment_id": str(uuid.uuid4()),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(client, method, path, headers, ids=None):
    ids = ids or {}
    body = body_for(path, ids) if method != "GET" else None
    query = "?municipality=gent&year=2027" if path == "/api/v1/reports/participation" else ""
    return client.open(url(path, ids) + query, method=method, json=body, headers=headers)


@pytest.fixture
def case(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    settings = Settings.from_env("proposals", {"DATABASE_URL": database_url})
    yield create_app(settings, engine).test_client(), engine, unit_of_work_factory(settings, engine)
    engine.dispose()


def snapshot(engine):
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(t)).all() for t in metadata.sorted_tables}


def test_the_matrix_names_every_endpoint_of_the_openapi_document_once():
    assert set(matrix()) == documented()
    known = {r.value for r in Role} | {"public", "service:voters:read"}
    for who in matrix().values():
        assert {re.sub(r" \((own|scoped)\)$", "", w) for w in who} <= known, who


def test_every_endpoint_refuses_every_role_the_matrix_does_not_name_and_nothing_changes(case):
    client, engine, _uow = case
    before = snapshot(engine)
    refusals = 0
    for (method, path), who in matrix().items():
        anonymous = call(client, method, path, {})
        if "public" in who:
            assert anonymous.status_code not in (401, 403), (method, path)
            continue
        assert anonymous.status_code == 401, (method, path, anonymous.status_code)
        for forged in FORGED:
            assert call(client, method, path, forged).status_code == 401, (method, path, forged)
        assert call(client, method, path, bearer("panels", "case_officer", "administrator")).status_code == 401
        for caller, headers in callers().items():
            if allowed(who, caller):
                continue
            refused = call(client, method, path, headers)
            assert refused.status_code == 403, (method, path, caller, refused.status_code, refused.get_json())
            assert refused.content_type == "application/problem+json"
            refusals += 1
    assert refusals > 200  # 21 guarded endpoints x the roles each refuses
    assert snapshot(engine) == before


def test_every_role_the_matrix_names_is_let_through_to_the_resource(case):
    client, _engine, _uow = case
    for (method, path), who in matrix().items():
        for caller, headers in callers().items():
            if allowed(who, caller) and "public" not in who:
                response = call(client, method, path, headers, {"new_process": f"p-{uuid.uuid4().hex[:8]}"})
                assert response.status_code not in (401, 403), (method, path, caller, response.get_json())


def test_scoped_officials_act_only_on_the_resources_of_their_process(case):
    client, engine, uow = case
    assert (
        client.post("/api/v1/processes", json=body_for("/api/v1/processes", {}), headers=official()).status_code == 201
    )
    made = []
    for title in ("Safer school streets", "Slow traffic everywhere"):
        created = client.post(
            "/api/v1/proposals", json=body_for("/api/v1/proposals", {}) | {"title": title}, headers=resident()
        )
        made.append(handlers.check_admissibility(uuid.UUID(created.get_json()["id"]), uow()).id)
    rid = client.post("/api/v1/rounds", json=body_for("/api/v1/rounds", {}), headers=official()).get_json()["id"]
    ids = {"proposal": str(made[0]), "into": str(made[1]), "round": rid, "process": "mobility-2027"}
    scoped_rows = {
        key: [re.sub(r" \(scoped\)$", "", w) for w in who if w.endswith("(scoped)")] for key, who in matrix().items()
    }
    before = snapshot(engine)
    for (method, path), roles in scoped_rows.items():
        for role in roles:
            elsewhere = official(role, "process:another-process")
            refused = call(client, method, path, elsewhere, ids)
            assert refused.status_code == 403, (method, path, role, refused.get_json())
            assert "process:mobility-2027" in refused.get_json()["detail"]
    ladder = call(client, "PUT", "/api/v1/ladders/{municipality}", official("case_officer", "process:mobility-2027"))
    assert ladder.status_code == 403
    assert snapshot(engine) == before
    for (method, path), roles in scoped_rows.items():
        for role in roles:
            within = official(role, "process:mobility-2027", "process:another-process")
            response = call(client, method, path, within, ids)
            assert response.status_code not in (401, 403), (method, path, role, response.get_json())


def test_a_token_for_another_service_is_refused_everywhere_it_is_needed(case):
    client, _engine, _uow = case
    for (method, path), who in matrix().items():
        if "public" in who:
            continue
        for headers in (
            bearer("notifications", "case_officer", "administrator"),
            service_bearer("panels", "notifications", "contacts:write"),
        ):
            assert call(client, method, path, headers).status_code == 401, (method, path)
