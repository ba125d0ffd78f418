"""Login through OpenID Connect (code + PKCE), server-side sessions, logout at the provider."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from gateway_testing import ANNA, KAREL, PEOPLE, login, rows


def test_login_round_trip_gives_a_stable_pseudonymous_id_that_is_not_the_providers_subject(gateway_app):
    client = gateway_app.test_client()
    start = client.get("/login?next=/account")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["redirect_uri"] == ["http://localhost/auth/callback"]

    landed = login(client, ANNA)
    assert landed.status_code == 302 and landed.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "Janssens" not in page and PEOPLE[ANNA]["national_number"] not in page
    engine = gateway_app.extensions["gateway"].engine
    first = rows(engine, "sessions")[0]["person_id"]
    assert uuid.UUID(first).version == 8 and first != ANNA

    client.post("/logout", data={"csrf_token": _csrf(client)})
    again = gateway_app.test_client()
    login(again, ANNA)
    assert [r["person_id"] for r in rows(engine, "sessions")] == [first]
    assert len(rows(engine, "people")) == 1


def _csrf(client):
    page = client.get("/account").get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    return page.split(marker, 1)[1].split('"', 1)[0]
