"""The one public door: /api/<service>/<path> forwards with a token the service accepts, and nothing else
of what the caller claims."""

from __future__ import annotations

import json
import uuid

import jwt
import pytest
from gateway_testing import ANNA, csrf_token, login

from meemaken_kit.tokens import TokenVerifier
from meemaken_testkit.ports import free_port
from meemaken_testkit.tokens import bearer, token


@pytest.fixture()
def app(make_gateway, provider, upstream):
    return make_gateway(provider, PROPOSALS_BASE_URL=upstream.url, MEEMAKEN_RATELIMIT_SUBMISSIONS="3/minute")


def test_a_logged_in_resident_reaches_the_service_with_a_token_it_accepts(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    answer = client.get("/api/proposals/v1/proposals?page=2", headers={"Accept-Language": "fr"})
    assert answer.status_code == 200
    seen = upstream.received[-1]
    assert seen["path"] == "/api/v1/proposals?page=2" and seen["headers"]["Accept-Language"] == "fr"
    assert seen["who"]["roles"] == ["resident"] and seen["who"]["attrs"]["district"] == "centrum"
    assert seen["who"]["attrs"]["resident"] is True and seen["who"]["attrs"]["age"] >= 35
    claims = TokenVerifier.configured("proposals").verify(seen["headers"]["Authorization"].split()[1])
    assert claims.subject == seen["who"]["sub"] and uuid.UUID(claims.subject).version == 8
    assert answer.headers["X-Correlation-ID"] == seen["headers"]["X-Correlation-Id"]


def test_the_token_is_signed_once_and_reused_for_the_next_calls(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    client.get("/api/proposals/v1/proposals")
    client.get("/api/proposals/v1/proposals")
    first, second = (r["headers"]["Authorization"] for r in upstream.received[-2:])
    assert first == second
    minter = app.extensions["gateway"].minter
    assert len(minter._cache) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert minter._cache == {}  # logging out forgets the session's tokens


def test_forged_identity_headers_cookies_and_authorization_never_reach_the_service(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    forged = {
        "X-Meemaken-Actor": str(uuid.uuid4()),
        "X-Meemaken-Role": "administrator",
        "X-Forwarded-User": "someone",
        "Connection": "keep-alive, X-Secret",
        "X-Secret": "1",
        "Proxy-Authorization": "Basic eA==",
    }
    client.get("/api/proposals/v1/proposals", headers=forged)
    seen = upstream.received[-1]["headers"]
    assert not [h for h in seen if h.lower().startswith(("x-meemaken", "x-forwarded", "x-secret", "proxy-", "cookie"))]
    assert seen["Authorization"].startswith("Bearer ") and upstream.received[-1]["who"]["roles"] == ["resident"]


def test_an_anonymous_request_is_forwarded_without_a_token(app, upstream):
    client = app.test_client()
    assert client.get("/api/proposals/v1/public").status_code == 200
    assert "Authorization" not in upstream.received[-1]["headers"] and upstream.received[-1]["who"] is None
    refused = client.get("/api/proposals/v1/proposals", headers={"X-Meemaken-Role": "administrator"})
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"


def test_a_bearer_token_for_the_gateway_is_accepted_and_one_for_another_service_is_refused(app, upstream):
    client = app.test_client()
    person = uuid.uuid4()
    answer = client.post(
        "/api/proposals/v1/proposals", json={"title": "x"}, headers=bearer("gateway", "resident", sub=person)
    )
    assert answer.status_code == 201 and upstream.received[-1]["who"]["sub"] == str(person)
    forwarded = upstream.received[-1]["headers"]["Authorization"].split()[1]
    assert jwt.decode(forwarded, options={"verify_signature": False})["aud"] == "proposals"
    assert forwarded != bearer("gateway", "resident", sub=person)["Authorization"].split()[1]
    before = len(upstream.received)
    wrong = client.post("/api/proposals/v1/proposals", json={}, headers=bearer("proposals", "resident"))
    assert wrong.status_code == 401 and "not meant for gateway" in wrong.get_json()["detail"]
    assert len(upstream.received) == before


def test_a_forwarded_token_never_outlives_the_callers_own(app, upstream):
    short = token("gateway", "resident", seconds=20)
    app.test_client().get("/api/proposals/v1/proposals", headers={"Authorization": f"Bearer {short}"})
    forwarded = jwt.decode(
        upstream.received[-1]["headers"]["Authorization"].split()[1], options={"verify_signature": False}
    )
    assert forwarded["exp"] <= jwt.decode(short, options={"verify_signature": False})["exp"]


def test_a_session_callers_unsafe_request_needs_the_csrf_token_in_a_header(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    before = len(upstream.received)
    refused = client.post("/api/proposals/v1/proposals", json={"title": "x"})
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert len(upstream.received) == before
    accepted = client.post(
        "/api/proposals/v1/proposals", json={"title": "x"}, headers={"X-CSRFToken": csrf_token(client)}
    )
    assert accepted.status_code == 201 and upstream.received[-1]["body"] == '{"title": "x"}'


def test_submissions_are_rate_limited_per_account_with_retry_after(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    headers = {"X-CSRFToken": csrf_token(client)}
    statuses = [
        client.post(f"/api/proposals/v1/proposals/{uuid.uuid4()}/support", headers=headers).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    limited = client.post("/api/proposals/v1/proposals", json={}, headers=headers)
    assert limited.status_code == 429 and limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/proposals/v1/proposals").status_code == 200  # reading is not limited
    other = bearer("gateway", "resident")  # another account from the same address is not locked out
    assert app.test_client().post("/api/proposals/v1/proposals", json={}, headers=other).status_code == 201


def test_a_service_that_is_down_answers_503_problem_never_500(make_gateway, provider):
    app = make_gateway(provider, PROPOSALS_BASE_URL=f"http://127.0.0.1:{free_port()}")
    answer = app.test_client().get("/api/proposals/v1/public")
    assert answer.status_code == 503 and answer.content_type == "application/problem+json"
    assert answer.headers["Retry-After"]


def test_unknown_services_and_odd_paths_are_not_forwarded(app, upstream):
    client = app.test_client()
    assert client.get("/api/ledger/v1/x").status_code == 404
    assert client.get("/api/proposals/v1/../../metrics").status_code == 404
    assert upstream.received == []


def test_the_services_openapi_document_is_reachable_through_the_gateway(app, upstream):
    answer = app.test_client().get("/api/proposals/openapi.json")
    assert answer.status_code == 200 and answer.get_json()["info"]["title"] == "upstream"


def test_an_expired_or_tampered_bearer_token_is_refused_every_time_and_nothing_is_forwarded(app, upstream):
    client = app.test_client()
    person = uuid.uuid4()
    good = token("gateway", "resident", sub=person)
    assert client.get("/api/proposals/v1/proposals", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    header, _, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False}) | {"roles": ["administrator"]}
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    before = len(upstream.received)
    for refused in (token("gateway", "resident", sub=person, seconds=-120), f"{header}.{forged}.{signature}"):
        for _ in range(2):  # a token once refused stays refused: nothing is remembered of it
            answer = client.get("/api/proposals/v1/proposals", headers={"Authorization": f"Bearer {refused}"})
            assert answer.status_code == 401 and answer.content_type == "application/problem+json"
    assert len(upstream.received) == before


def test_a_known_sessions_forged_identity_headers_never_reach_the_service_either(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    headers = {"X-CSRFToken": csrf_token(client)}
    client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers)  # the full path
    forged = {"X-Meemaken-Role": "administrator", "X-Meemaken-Actor": str(uuid.uuid4()), "X-Forwarded-User": "x"}
    answer = client.post("/api/proposals/v1/proposals?x=1", json={"title": "b"}, headers=headers | forged)
    assert answer.status_code == 201  # the fast lane (gateway.proxy.lane)
    seen = upstream.received[-1]
    assert not [h for h in seen["headers"] if h.lower().startswith(("x-meemaken", "x-forwarded", "cookie"))]
    assert seen["who"]["roles"] == ["resident"] and seen["path"] == "/api/v1/proposals?x=1"
