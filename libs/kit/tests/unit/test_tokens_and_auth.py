"""The one verification every service uses: what it accepts, what it refuses and why."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from meemaken_kit import Settings, create_service_app
from meemaken_kit.auth import allow, allowed_roles, principal, public, require
from meemaken_kit.config import ConfigurationError
from meemaken_kit.credentials import NotGranted, ServiceCredentials
from meemaken_kit.tokens import InvalidToken, KeySet, SigningKey, SigningKeys, TokenIssuer, TokenVerifier

ISSUER = "https://gateway.example/"


@pytest.fixture(scope="module")
def keys() -> SigningKeys:
    return SigningKeys((SigningKey.generate("k1"),))


def verifier_for(keys: SigningKeys, audience: str = "proposals") -> TokenVerifier:
    return TokenVerifier(audience, ISSUER, KeySet.static(keys.jwks()))


def test_a_token_for_the_service_is_accepted_with_its_claims(keys: SigningKeys) -> None:
    token = TokenIssuer(keys, ISSUER).issue(
        "8d0a1f6e-3c55-4c0e-9a1e-2c7f1e0b9a11",
        "proposals",
        ["case_officer"],
        {"age": 40},
        {"case_officer": ["department:mobility"]},
    )
    claims = verifier_for(keys).verify(token)
    assert claims.roles == {"case_officer"}
    assert claims.attributes == {"age": 40}
    assert claims.role_scopes == {"case_officer": ("department:mobility",)}


def test_a_token_for_another_service_is_refused(keys: SigningKeys) -> None:
    token = TokenIssuer(keys, ISSUER).issue("s", "challenges", ["resident"])
    with pytest.raises(InvalidToken, match="not meant for proposals"):
        verifier_for(keys).verify(token)


def test_an_expired_token_is_refused(keys: SigningKeys) -> None:
    token = TokenIssuer(keys, ISSUER).issue("s", "proposals", ["resident"], seconds=-60)
    with pytest.raises(InvalidToken, match="expired"):
        verifier_for(keys).verify(token)


def test_a_tampered_token_is_refused(keys: SigningKeys) -> None:
    token = TokenIssuer(keys, ISSUER).issue("s", "proposals", ["resident"])
    head, body, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(body))
    claims["roles"] = ["administrator"]
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(InvalidToken):
        verifier_for(keys).verify(f"{head}.{forged}.{signature}")


def test_a_token_from_another_issuer_or_key_is_refused(keys: SigningKeys) -> None:
    with pytest.raises(InvalidToken, match="not issued"):
        verifier_for(keys).verify(TokenIssuer(keys, "https://elsewhere/").issue("s", "proposals", ["resident"]))
    stranger = SigningKeys((SigningKey.generate("k1"),))  # same key id, another key
    with pytest.raises(InvalidToken):
        verifier_for(keys).verify(TokenIssuer(stranger, ISSUER).issue("s", "proposals", ["resident"]))


def test_alg_none_and_symmetric_tokens_are_refused(keys: SigningKeys) -> None:
    claims = {"iss": ISSUER, "aud": "proposals", "sub": "s", "exp": int(time.time()) + 60, "iat": int(time.time())}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):  # no signature: not even the shape of a signed token
        verifier_for(keys).verify(unsigned)
    public_pem = keys.current.private_key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    head = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "k1"}).encode()).decode()
    body = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    confused = f"{head}.{body}.{jwt.utils.base64url_encode(mac).decode()}"  # the public key as an HMAC secret
    with pytest.raises(InvalidToken, match="RS256"):
        verifier_for(keys).verify(confused)


def test_a_rotated_key_keeps_working_until_its_tokens_expire() -> None:
    old, new = SigningKey.generate("old"), SigningKey.generate("new")
    published = {"jwks": SigningKeys((old,)).jwks()}
    keyset = KeySet(lambda: published["jwks"], ttl=300, refetch_every=0)
    verifier = TokenVerifier("proposals", ISSUER, keyset)
    before = TokenIssuer(SigningKeys((old,)), ISSUER).issue("s", "proposals", ["resident"])
    verifier.verify(before)
    published["jwks"] = SigningKeys((new, old)).jwks()  # rotation: the new key signs, the old stays published
    after = TokenIssuer(SigningKeys((new, old)), ISSUER).issue("s", "proposals", ["resident"])
    assert verifier.verify(after).subject == "s"  # unknown kid -> refetched
    assert verifier.verify(before).subject == "s"


def test_production_refuses_development_keys(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEEMAKEN_DEV_KEY_FILE", str(tmp_path / "dev.json"))
    dev = TokenIssuer.configured()
    token = dev.issue("s", "proposals", ["resident"])
    verifier = TokenVerifier("proposals", dev.issuer, KeySet.static(dev.keys.jwks()), refuse_development_keys=True)
    with pytest.raises(InvalidToken, match="development"):
        verifier.verify(token)
    production = {"MEEMAKEN_ENV": "production", "MEEMAKEN_TOKEN_ISSUER": "https://gateway.example"}
    with pytest.raises(ConfigurationError, match="needs MEEMAKEN_JWKS_URL"):
        Settings.from_env("proposals", production)  # the start stops: no key set to check tokens with
    settings = Settings.from_env("proposals", production | {"MEEMAKEN_JWKS_URL": "https://gateway.example/jwks"})
    with pytest.raises(ConfigurationError, match=r"proposals: configuration refused: .*MEEMAKEN_SIGNING_KEYS_FILE"):
        TokenIssuer.configured(settings)
    with pytest.raises(ConfigurationError, match="needs MEEMAKEN_JWKS_URL"):
        KeySet.configured(settings.model_copy(update={"jwks_url": ""}))


def test_service_credentials_are_narrow(keys: SigningKeys) -> None:
    credentials = ServiceCredentials("panels", issuer=TokenIssuer(keys, ISSUER))
    with pytest.raises(NotGranted, match="panels may not hold voters:read at proposals"):
        credentials.token("proposals", ["voters:read"])
    with pytest.raises(NotGranted, match="panels may not hold contacts:read at notifications"):
        credentials.token("notifications", ["contacts:read"])
    token = credentials.token("notifications", ["contacts:write"])
    claims = verifier_for(keys, "notifications").verify(token)
    assert (claims.subject, claims.roles, claims.scope) == ("service:panels", {"service"}, {"contacts:write"})
    # cached: a freshly issued token would carry a new jti, so a second call returning it is the cache
    assert credentials.token("notifications", ["contacts:write"]) == token


# --- the Flask side ---------------------------------------------------------------------------------

blp = Blueprint("things", __name__, url_prefix="/api/v1")


@blp.route("/open")
@public
def open_thing() -> dict[str, str]:
    who = principal()
    return {"who": who.subject if who else "anyone"}


@blp.route("/closed")
def closed_thing() -> dict[str, str]:
    return {"who": require("case_officer").subject}


@blp.route("/mixed")
class Mixed(MethodView):
    @public
    def get(self) -> dict[str, str]:
        return {"read": "yes"}

    def post(self) -> dict[str, str]:
        return {"written": require("resident").subject}


@pytest.fixture()
def client(keys: SigningKeys):  # type: ignore[no-untyped-def]
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    app = create_service_app(settings, "Things", [blp], sa.create_engine("sqlite://"), verifier=verifier_for(keys))
    return app.test_client()


def bearer(keys: SigningKeys, *roles: str, audience: str = "proposals") -> dict[str, str]:
    return {"Authorization": "Bearer " + TokenIssuer(keys, ISSUER).issue("someone", audience, roles)}


def test_anonymous_requests_reach_only_public_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/open").json == {"who": "anyone"}
    assert client.get("/api/v1/mixed").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    for method, path in [("get", "/api/v1/closed"), ("post", "/api/v1/mixed"), ("get", "/metrics")]:
        response = getattr(client, method)(path)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_identity_headers_mean_nothing(client) -> None:  # type: ignore[no-untyped-def]
    forged = {"X-Meemaken-Role": "case_officer", "X-Meemaken-Actor": "8d0a1f6e-3c55-4c0e-9a1e-2c7f1e0b9a11"}
    assert client.get("/api/v1/closed", headers=forged).status_code == 401


def test_roles_are_checked_and_bad_tokens_refused_even_on_public_endpoints(client, keys) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/closed", headers=bearer(keys, "case_officer")).json == {"who": "someone"}
    assert client.get("/api/v1/closed", headers=bearer(keys, "resident")).status_code == 403
    assert client.get("/api/v1/open", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/open", headers=bearer(keys, "resident", audience="panels")).status_code == 401
    basic = {"Authorization": "Basic dXNlcjpwdw=="}  # another scheme: a public endpoint may take it (OAuth clients)
    assert client.get("/api/v1/open", headers=basic).json == {"who": "anyone"}
    assert client.get("/api/v1/closed", headers=basic).status_code == 401


def test_metrics_need_an_administrator_or_a_scraper(client, keys) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics", headers=bearer(keys, "resident")).status_code == 403
    assert client.get("/metrics", headers=bearer(keys, "administrator")).status_code == 200


def test_the_openapi_document_marks_public_operations(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json
    assert spec["security"] == [{"gatewayToken": []}]
    assert spec["paths"]["/api/v1/open"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/mixed"]["get"]["security"] == []
    assert "security" not in spec["paths"]["/api/v1/mixed"]["post"]


allowed = Blueprint("allowed", __name__, url_prefix="/api/v1")


class Body(Schema):
    title = fields.String(required=True)


@allowed.route("/decisions", methods=["POST"])
@allow("decision_body")
@allowed.arguments(Body)
def decide(body: dict[str, str]) -> dict[str, str]:
    return {"decided": body["title"]}


@allowed.route("/voters")
@allow("service:voters:read", "administrator")
def voters() -> dict[str, str]:
    return {"ok": "yes"}


def test_declared_roles_are_checked_before_the_body_is_read(keys: SigningKeys) -> None:
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    app = create_service_app(settings, "Allowed", [allowed], sa.create_engine("sqlite://"), verifier=verifier_for(keys))
    client = app.test_client()
    assert client.post("/api/v1/decisions", json={}).status_code == 401
    assert client.post("/api/v1/decisions", json={}, headers=bearer(keys, "case_officer")).status_code == 403
    assert client.post("/api/v1/decisions", json={}, headers=bearer(keys, "decision_body")).status_code == 422
    assert (
        client.post("/api/v1/decisions", json={"title": "x"}, headers=bearer(keys, "decision_body")).status_code == 200
    )
    assert allowed_roles(app, "allowed.decide", "POST") == {"decision_body"}
    service = {
        "Authorization": "Bearer "
        + TokenIssuer(keys, ISSUER).issue("service:n", "proposals", ["service"], scope=["voters:read"])
    }
    assert client.get("/api/v1/voters", headers=service).status_code == 200
    assert client.get("/api/v1/voters", headers=bearer(keys, "service")).status_code == 403
