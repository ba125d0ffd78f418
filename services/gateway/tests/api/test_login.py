"""Login through OpenID Connect (code + PKCE), server-side sessions, expiry, refresh and logout."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
import sqlalchemy as sa
from gateway_testing import ANNA, KAREL, PEOPLE, csrf_token, login, rows

PERSONAL = [
    value
    for person in PEOPLE.values()
    for key, value in person.items()
    if key in ("national_number", "given_name", "family_name", "name", "email")
]


def test_login_round_trip_gives_a_stable_pseudonymous_id_that_is_not_the_providers_subject(gateway_app):
    client = gateway_app.test_client()
    start = client.get("/login?next=/account")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["redirect_uri"] == ["http://localhost/auth/callback"]

    landed = login(client, ANNA)
    assert landed.status_code == 302 and landed.headers["Location"] == "/account"
    engine = gateway_app.extensions["gateway"].engine
    first = rows(engine, "sessions")[0]["person_id"]
    assert uuid.UUID(first).version == 8 and first != ANNA

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(gateway_app.test_client(), ANNA)
    assert [r["person_id"] for r in rows(engine, "sessions")] == [first]
    assert len(rows(engine, "people")) == 1


def test_the_cookie_carries_only_a_random_id_httponly_and_samesite(gateway_app):
    client = gateway_app.test_client()
    landed = login(client, ANNA)
    cookie = landed.headers["Set-Cookie"]
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert len(value) == 43 and "." not in value  # 32 random bytes, nothing signed or encoded in it
    engine = gateway_app.extensions["gateway"].engine
    assert all(row["id"] != value for row in rows(engine, "sessions"))  # the table holds its hash only


def test_no_national_number_name_or_email_in_the_session_store_the_tokens_or_the_logs(gateway_app, caplog):
    caplog.set_level(logging.DEBUG)
    client = gateway_app.test_client()
    login(client, ANNA)
    login(gateway_app.test_client(), KAREL)
    client.get("/account")
    gw = gateway_app.extensions["gateway"]
    stored = json.dumps([rows(gw.engine, table) for table in ("sessions", "people", "outbox")], default=str)
    minted = gw.minter.token_for(gw.principal_of(gw.store.load(_sid(client)).identity), "proposals", "test")
    claims = json.dumps(jwt.decode(minted, options={"verify_signature": False}))
    logged = "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if not r.name.startswith(("oidc_provider", "werkzeug"))
    )
    for value in PERSONAL:
        assert value not in stored and value not in claims and value not in logged, value
    assert "age" in claims and '"district": "centrum"' in claims


def _sid(client):
    return client.get_cookie("meemaken").value


def test_next_only_ever_leads_to_a_page_of_this_site(gateway_app):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client = gateway_app.test_client()
        client.get(f"/login?next={target}")
        chosen = requests.post(_authorize(client, target), data={"sub": ANNA}, allow_redirects=False, timeout=10)
        back = urlsplit(chosen.headers["Location"])
        assert client.get(f"{back.path}?{back.query}").headers["Location"] == "/account", target


def _authorize(client, target):
    return client.get(f"/login?next={target}").headers["Location"]


def test_logout_needs_the_csrf_token_and_ends_the_session_here_and_at_the_provider(gateway_app, provider):
    client = gateway_app.test_client()
    login(client, ANNA)
    engine = gateway_app.extensions["gateway"].engine
    refused = client.post("/logout")
    assert refused.status_code == 400 and len(rows(engine, "sessions")) == 1

    out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert out.status_code == 302
    target = urlsplit(out.headers["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}" == provider and target.path.endswith("end_session")
    assert query["post_logout_redirect_uri"] == ["http://localhost/logged-out"]
    assert query["client_id"] == ["meemaken-gateway"] and jwt.decode(
        query["id_token_hint"][0], options={"verify_signature": False}
    )
    assert rows(engine, "sessions") == []
    assert client.get("/account").headers["Location"].startswith("/login?next=/account")
    assert "meemaken" not in {c.key for c in client._cookies.values()}


def test_a_session_ends_after_the_idle_time_and_at_its_absolute_end(gateway_app):
    engine = gateway_app.extensions["gateway"].engine
    for column, moment in (("last_seen_at", timedelta(minutes=31)), ("expires_at", timedelta(seconds=1))):
        client = gateway_app.test_client()
        login(client, ANNA)
        assert client.get("/account").status_code == 200
        with engine.begin() as conn:
            conn.execute(sa.text(f"UPDATE sessions SET {column} = :t"), {"t": datetime.now(UTC) - moment})
        ended = client.get("/account")
        assert ended.status_code == 302 and "ended=1" in ended.headers["Location"], column
        assert rows(engine, "sessions") == []


def test_a_session_is_touched_at_most_once_a_minute_and_idle_expiry_counts_from_the_last_request(gateway_app):
    client = gateway_app.test_client()
    login(client, ANNA)
    client.get("/account")  # the first page gives the session its CSRF token
    engine = gateway_app.extensions["gateway"].engine
    seen = rows(engine, "sessions")[0]["last_seen_at"]
    client.get("/account")
    assert rows(engine, "sessions")[0]["last_seen_at"] == seen
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sessions SET last_seen_at = :t"), {"t": datetime.now(UTC) - timedelta(minutes=20)})
    client.get("/account")
    later = datetime.fromisoformat(str(rows(engine, "sessions")[0]["last_seen_at"])).replace(tzinfo=UTC)
    assert later > datetime.now(UTC) - timedelta(minutes=1)


def test_an_expired_access_token_is_refreshed_and_a_session_that_cannot_refresh_ends(gateway_app, provider):
    client = gateway_app.test_client()
    login(client, ANNA)
    engine = gateway_app.extensions["gateway"].engine
    before = rows(engine, "sessions")[0]
    _expire_access_token(engine)
    assert client.get("/account").status_code == 200
    after = rows(engine, "sessions")[0]
    assert after["sealed_tokens"] != before["sealed_tokens"]
    assert _moment(after["access_expires_at"]) > datetime.now(UTC)

    requests.post(f"{provider}/users/{ANNA}/revoke-tokens", timeout=5)
    _expire_access_token(engine)
    ended = client.get("/account")
    assert ended.status_code == 302 and "ended=1" in ended.headers["Location"]
    assert rows(engine, "sessions") == []


def _expire_access_token(engine):
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sessions SET access_expires_at = :t"), {"t": datetime.now(UTC) - timedelta(seconds=1)}
        )


def _moment(value):
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def test_login_without_a_configured_provider_says_so(make_gateway):
    page = make_gateway(None).test_client().get("/login?lang=en")
    assert page.status_code == 503 and "identity provider" in page.get_data(as_text=True)


@pytest.mark.parametrize("claims", [{"sub": ""}])
def test_a_provider_answer_naming_nobody_is_refused(claims):
    from gateway.identity.claims import ClaimMapping, NoSubject, identity_from_claims

    with pytest.raises(NoSubject):
        identity_from_claims(claims, ClaimMapping.of("keycloak"))


class _Provider:
    """Stands in for the provider at refresh time: a new ID token whose claims changed."""

    def __init__(self, real, claims):
        self.real, self.claims, self.issuer = real, claims, real.issuer

    def refresh(self, refresh_token):
        return {"access_token": "a", "expires_in": 300, "refresh_token": "r2", "id_token": "i2"}, self.claims


def test_a_refresh_reads_roles_and_attributes_again_and_refuses_another_person(gateway_app):
    client = gateway_app.test_client()
    login(client, KAREL)
    gw = gateway_app.extensions["gateway"]
    engine = gw.engine
    real = gw.provider
    gw.provider = _Provider(real, {"sub": KAREL, "roles": ["resident"], "district": "zuid"})
    _expire_access_token(engine)
    assert client.get("/account").status_code == 200
    row = rows(engine, "sessions")[0]
    assert json.loads(row["roles"]) == ["resident"] and json.loads(row["role_scopes"]) == {}
    assert json.loads(row["provider_attrs"]) == {"district": "zuid"}
    gw.provider = _Provider(real, {"sub": ANNA, "roles": ["resident"]})
    _expire_access_token(engine)
    assert client.get("/account").status_code == 302 and rows(engine, "sessions") == []
