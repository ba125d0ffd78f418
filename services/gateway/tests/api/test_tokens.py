"""The gateway's public keys (with rotation) and the services' client-credentials grant."""

from __future__ import annotations

import base64
import json

import jwt

from meemaken_kit.tokens import KeySet, SigningKey, TokenVerifier


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_the_jwks_lists_every_configured_key_and_the_first_signs(make_gateway, tmp_path):
    current, previous = SigningKey.generate("key-2026-12"), SigningKey.generate("key-2026-06")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [current.private_jwk(), previous.private_jwk()]}))
    app = make_gateway(None, MEEMAKEN_SIGNING_KEYS_FILE=str(keys), MEEMAKEN_TOKEN_ISSUER="https://gateway.example")
    answer = app.test_client().get("/.well-known/jwks.json")
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    published = answer.get_json()["keys"]
    assert [k["kid"] for k in published] == ["key-2026-12", "key-2026-06"] and all("d" not in k for k in published)
    granted = app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "audience": "proposals", "scope": "voters:read"},
        headers=_basic("notifications", "notifications-secret-for-tests"),
    )
    token = granted.get_json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == "key-2026-12"
    verifier = TokenVerifier("proposals", "https://gateway.example", KeySet.static(answer.get_json()))
    claims = verifier.verify(token)
    assert claims.subject == "service:notifications" and claims.scope == {"voters:read"}


def test_a_service_gets_exactly_what_the_grants_table_gives_it(gateway_app):
    answer = gateway_app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "audience": "notifications", "scope": "contacts:write"},
        headers=_basic("panels", "panels-secret-for-tests"),
    )
    body = answer.get_json()
    assert answer.status_code == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert answer.headers["Cache-Control"] == "no-store"
    claims = TokenVerifier.configured("notifications").verify(body["access_token"])
    assert claims.roles == {"service"} and claims.scope == {"contacts:write"}


def test_refusals_are_rfc6749_errors(gateway_app):
    client = gateway_app.test_client()
    form = {"grant_type": "client_credentials", "audience": "notifications", "scope": "contacts:write"}
    cases = [
        (_basic("panels", "wrong"), form, 401, "invalid_client"),
        (_basic("ledger", "anything"), form, 401, "invalid_client"),
        ({}, form, 401, "invalid_client"),
        (_basic("panels", "panels-secret-for-tests"), form | {"grant_type": "password"}, 400, "unsupported_grant_type"),
        (_basic("panels", "panels-secret-for-tests"), form | {"scope": "voters:read"}, 400, "invalid_scope"),
        (_basic("panels", "panels-secret-for-tests"), form | {"audience": "proposals"}, 400, "invalid_scope"),
        (_basic("panels", "panels-secret-for-tests"), {"grant_type": "client_credentials"}, 400, "invalid_request"),
    ]
    for headers, data, status, error in cases:
        answer = client.post("/oauth/token", data=data, headers=headers)
        assert (answer.status_code, answer.get_json()["error"]) == (status, error), (headers, data)
        assert "access_token" not in answer.get_json()
    assert client.post("/oauth/token", data=form, headers=_basic("panels", "wrong")).headers["WWW-Authenticate"]
    bearer = client.post("/oauth/token", data=form, headers={"Authorization": "Bearer xyz"})
    assert bearer.status_code == 401 and "access_token" not in bearer.get_json()  # refused before the endpoint


def test_the_token_endpoint_is_rate_limited(make_gateway):
    app = make_gateway(None, MEEMAKEN_RATELIMIT_TOKEN="2/minute")
    client = app.test_client()
    statuses = [client.post("/oauth/token", headers=_basic("panels", "wrong")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
