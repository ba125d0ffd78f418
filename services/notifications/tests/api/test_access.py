"""Who may do what, from the gateway's verified token only: forged headers, other audiences, other people,
other services and officials without the right role are refused, and nothing changes.

The matrix in docs/roles/notifications.md is enumerated here against the app: every endpoint x every role.
"""

import re
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fakes import FakeMailer
from notifications_builders import NOW, pseudonym, rejected

from meemaken_kit import Settings
from meemaken_kit.roles import Role
from meemaken_testkit.tokens import bearer, service_bearer, token
from notifications.adapters.tables import audiences, contacts, deliveries, messages
from notifications.bootstrap import create_app
from notifications.domain.delivery import RetryPolicy
from notifications.integration.incoming import handler
from notifications.service_layer.sending import Sender

MATRIX = Path(__file__).resolve().parents[4] / "docs" / "roles" / "notifications.md"
OPERATIONS = {"/healthz", "/readyz", "/metrics", "/api/openapi.json"}


@pytest.fixture
def client(engine, url):
    return create_app(Settings.from_env("notifications", {"DATABASE_URL": url}), engine, lambda: NOW).test_client()


def me(person, *roles):
    return bearer("notifications", *(roles or ("resident",)), sub=person)


def forged(role, actor=None):
    return {"X-Meemaken-Role": role, "X-Meemaken-Actor": str(actor or uuid.uuid4())}


def counts(engine):
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (contacts, audiences, deliveries, messages)
        }


def stored_contact(engine, person):
    with engine.connect() as conn:
        return conn.execute(sa.select(contacts).where(contacts.c.person_id == str(person))).first()


def set_contact(client, person, email):
    answer = client.put(f"/api/v1/people/{person}/contact", json={"email": email}, headers=me(person))
    assert answer.status_code == 200


def test_forged_headers_are_refused_and_messages_still_go_to_the_real_address(engine, client):
    victim = uuid.uuid4()
    set_contact(client, victim, "victim@example.org")
    before = counts(engine)
    path = f"/api/v1/people/{victim}/contact"
    attacks = [
        client.get(path, headers=forged("administrator")),
        client.put(path, json={"email": "attacker@evil.test"}, headers=forged("service")),
        client.put(path, json={"email": "attacker@evil.test"}, headers=forged("resident", victim)),
        client.delete(path, headers=forged("resident", victim)),
        client.get(f"/api/v1/residents/{victim}/messages", headers=forged("resident", victim)),
        client.put(f"/api/v1/audiences/department:mobility/department_queue/{victim}", headers=forged("official")),
        client.get("/api/v1/deliveries", headers=forged("administrator")),
    ]
    for answer in attacks:
        assert answer.status_code == 401 and answer.content_type == "application/problem+json"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "victim@example.org" not in answer.get_data(as_text=True)
    assert counts(engine) == before
    assert stored_contact(engine, victim).email == "victim@example.org"

    with engine.begin() as conn:
        handler(lambda: NOW)(conn, rejected(victim))
    mailer = FakeMailer()
    Sender(engine, lambda: NOW, RetryPolicy(timedelta(seconds=30)), "x <noreply@x.test>", ZoneInfo("UTC")).send_due(
        mailer
    )
    assert [m["To"] for m in mailer.sent] == ["victim@example.org"]


def test_a_token_for_another_service_or_tampered_or_expired_is_refused(engine, client):
    person = uuid.uuid4()
    set_contact(client, person, "me@example.org")
    before = counts(engine)
    good = token("notifications", "resident", sub=person)
    head, body, signature = good.split(".")
    tampered = ".".join((head, body, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")))
    for headers in (
        bearer("proposals", "resident", sub=person),
        bearer(["proposals", "panels"], "resident", sub=person),
        {"Authorization": f"Bearer {tampered}"},
        bearer("notifications", "resident", sub=person, seconds=-60),
        service_bearer("notifications", "proposals", "voters:read"),
        {"Authorization": f"Basic {good}"},
    ):
        assert client.get(f"/api/v1/people/{person}/contact", headers=headers).status_code == 401
        put = client.put(f"/api/v1/people/{person}/contact", json={"email": "x@evil.test"}, headers=headers)
        assert put.status_code == 401
    assert counts(engine) == before and stored_contact(engine, person).email == "me@example.org"


def test_one_person_cannot_read_or_change_anothers_contact_and_an_administrator_cannot_read_it(engine, client):
    a, b = uuid.uuid4(), uuid.uuid4()
    set_contact(client, b, "b@example.org")
    before = counts(engine)
    path = f"/api/v1/people/{b}/contact"
    for headers in (me(a), me(a, "case_officer"), me(a, "administrator"), bearer("notifications", "administrator")):
        assert client.get(path, headers=headers).status_code == 403
        assert client.put(path, json={"email": "a@evil.test"}, headers=headers).status_code == 403
        assert client.delete(path, headers=headers).status_code == 403
        assert client.get(f"/api/v1/people/{b}/audiences", headers=headers).status_code == 403
    refused = client.put(path, json={"email": "nope", "bogus": 1}, headers=me(a))
    assert refused.status_code == 403, "a refused caller learns nothing from validation"
    assert client.get("/api/v1/deliveries?limit=none", headers=me(a)).status_code == 403
    assert client.get(f"/api/v1/residents/{b}/messages?limit=none", headers=me(a)).status_code == 403
    assert counts(engine) == before and stored_contact(engine, b).email == "b@example.org"


def test_identity_comes_from_the_token_and_the_body_may_not_name_a_person(engine, client):
    a, b = uuid.uuid4(), uuid.uuid4()
    refused = client.put(f"/api/v1/people/{a}/contact", json={"person_id": str(b), "email": "a@x.org"}, headers=me(a))
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.get_json()["errors"]} == {"/person_id"}
    assert stored_contact(engine, a) is None and stored_contact(engine, b) is None


def test_only_the_panels_credential_with_contacts_write_hands_over_panel_members_contacts(engine, client):
    member, resident = pseudonym(), uuid.uuid4()
    set_contact(client, resident, "resident@example.org")
    letter = {"postal_address": ["A. Member", "Kerkstraat 1", "9000 Gent"], "channels": ["letter"]}
    before = counts(engine)
    for headers in (
        bearer("notifications", "service", sub="service:panels"),  # no scope
        bearer("notifications", "service", sub="service:panels", scope=["metrics:read"]),
        bearer("notifications", "service", sub="service:proposals", scope=["contacts:write"]),  # not the owner
        bearer("notifications", "administrator", scope=["contacts:write"]),  # a scope is no role
        bearer("notifications", "panel_coordinator"),
        me(uuid.uuid4()),
    ):
        assert client.put(f"/api/v1/people/{member}/contact", json=letter, headers=headers).status_code == 403
        assert client.delete(f"/api/v1/people/{member}/contact", headers=headers).status_code == 403
    panels = service_bearer("panels", "notifications", "contacts:write")
    overwrite = {"email": "attacker@evil.test"}
    assert client.put(f"/api/v1/people/{resident}/contact", json=overwrite, headers=panels).status_code == 403
    assert client.delete(f"/api/v1/people/{resident}/contact", headers=panels).status_code == 403
    assert client.get(f"/api/v1/people/{member}/contact", headers=panels).status_code == 403, "it writes, never reads"
    assert counts(engine) == before and stored_contact(engine, resident).email == "resident@example.org"

    assert client.put(f"/api/v1/people/{member}/contact", json=letter, headers=panels).status_code == 200
    assert stored_contact(engine, member).postal_address == letter["postal_address"]
    assert client.delete(f"/api/v1/people/{member}/contact", headers=panels).status_code == 204
    assert stored_contact(engine, member) is None


def test_queues_and_case_audiences_need_the_official_role_within_its_scope(engine, client):
    colleague, case, panel = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    queue = f"/api/v1/audiences/department:mobility/department_queue/{colleague}"
    assigned = f"/api/v1/audiences/challenge:{case}/assigned_officials/{colleague}"
    members = f"/api/v1/audiences/panel:{panel}/selected_members/{pseudonym()}"
    parks = bearer("notifications", "case_officer", role_scopes={"case_officer": ["department:parks"]})
    before = counts(engine)
    for path, headers in (
        (queue, parks),
        (queue, bearer("notifications", "administrator")),
        (queue, bearer("notifications", "panel_coordinator")),
        (queue, me(colleague)),
        (assigned, parks),
        (assigned, bearer("notifications", "case_officer", role_scopes={"case_officer": [f"case:{uuid.uuid4()}"]})),
        (assigned, bearer("notifications", "decision_body")),
        (members, bearer("notifications", "case_officer")),
        (members, bearer("notifications", "panel_coordinator", role_scopes={"panel_coordinator": ["case:other"]})),
        (f"/api/v1/audiences/proposal:{case}/followers/{colleague}", me(uuid.uuid4())),
        (f"/api/v1/audiences/proposal:{case}/followers/{colleague}", bearer("notifications", "case_officer")),
    ):
        assert client.put(path, headers=headers).status_code == 403, (path, headers)
        assert client.delete(path, headers=headers).status_code == 403, (path, headers)
    assert counts(engine) == before

    mobility = bearer("notifications", "case_officer", role_scopes={"case_officer": ["department:mobility"]})
    on_case = bearer("notifications", "case_officer", role_scopes={"case_officer": [f"case:{case}"]})
    coordinator = bearer("notifications", "panel_coordinator", role_scopes={"panel_coordinator": [f"case:{panel}"]})
    for path, headers in ((queue, mobility), (assigned, on_case), (members, coordinator)):
        assert client.put(path, headers=headers).status_code == 204
    follow = f"/api/v1/audiences/proposal:{case}/followers/{colleague}"
    assert client.put(follow, headers=me(colleague, "case_officer")).status_code == 204
    assert counts(engine)["audiences"] == before["audiences"] + 4


# --- the matrix, enumerated -------------------------------------------------------------------------------


def matrix_rows():
    rows = []
    for line in MATRIX.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ("GET", "PUT", "POST", "DELETE", "PATCH"):
            rows.append((cells[0], cells[1], [w.strip() for w in cells[2].split(",")]))
    return rows


def grants(who):
    """role -> "" (anyone holding it), "own" or "scoped"; service:<scope> -> the same."""
    found = {}
    for entry in who:
        match = re.fullmatch(r"(\S+?)(?: \((own|scoped)\))?", entry)
        assert match, entry
        found[match[1]] = match[2] or ""
    return found


def test_the_matrix_names_every_endpoint_of_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if path not in OPERATIONS and method in ("get", "put", "post", "delete", "patch")
    }
    assert documented == {(method, path) for method, path, _ in matrix_rows()}


def test_no_endpoint_is_public_and_none_listens_to_forged_headers(engine, client):
    before = counts(engine)
    for method, path, _ in matrix_rows():
        concrete = _fill(path, Role.RESIDENT, str(uuid.uuid4()))
        for headers in ({}, forged("administrator"), forged("service")):
            answer = client.open(concrete, method=method, headers=headers, json={} if method == "PUT" else None)
            assert answer.status_code == 401, (method, concrete, headers)
    assert counts(engine) == before


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_endpoint_for_every_role_is_allowed_or_refused_as_the_matrix_says(engine, client, role):
    for method, path, who in matrix_rows():
        rule = grants(who)
        kind = next((v for k, v in rule.items() if k == role or k.startswith(f"{role}:")), None)
        me_id = str(uuid.uuid4())
        headers = _token(role, me_id, next((k for k in rule if k.startswith("service:")), None))
        owner_path = _fill(path, role, me_id, own=True)
        other_path = _fill(path, role, me_id, own=False)
        body = {} if method == "PUT" else None
        before = counts(engine)
        on_other = client.open(other_path, method=method, headers=headers, json=body).status_code
        if kind == "":
            assert on_other not in (401, 403), (role, method, other_path)
            continue
        assert on_other == 403, (role, method, other_path, on_other)
        assert counts(engine) == before, (role, method, other_path)
        if kind is not None:  # own or scoped: allowed on their own (or with a scope matching the resource)
            answer = client.open(owner_path, method=method, headers=headers, json=body).status_code
            assert answer not in (401, 403), (role, method, owner_path, answer)


def _token(role, sub, service_scope):
    if role == Role.SERVICE:
        scopes = [service_scope.removeprefix("service:")] if service_scope else []
        return bearer("notifications", "service", sub="service:panels", scope=scopes)
    scopes = {"case_officer": ["department:mobility"], "panel_coordinator": ["case:" + str(PANEL)]}
    return bearer("notifications", role, sub=sub, role_scopes={role: scopes[role]} if role in scopes else None)


PANEL = uuid.uuid4()


def _fill(path, role, me_id, own=True):
    """A concrete path: the caller's own person (or someone else's), and an audience the role would fill."""
    person = me_id if own else str(uuid.uuid4())
    if role == Role.SERVICE:
        person = pseudonym() if own else str(uuid.uuid4())
    if "{scope}" in path:
        scope, audience = {
            Role.CASE_OFFICER: ("department:mobility" if own else "department:parks", "department_queue"),
            Role.PANEL_COORDINATOR: (f"panel:{PANEL}" if own else f"panel:{uuid.uuid4()}", "selected_members"),
        }.get(role, (f"proposal:{uuid.uuid4()}", "followers"))
        path = path.replace("{scope}", scope).replace("{role}", audience)
        if role in (Role.CASE_OFFICER, Role.PANEL_COORDINATOR):
            person = str(uuid.uuid4())  # they fill audiences with other people
    values = {"resident_id": person, "person_id": person, "message_id": uuid.uuid4(), "delivery_id": uuid.uuid4()}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m[1]]), path)
