"""The pass-through's fast lane: a session the full path accepted goes on without reading its row again,
with the same token, limits and headers; anything the lane is unsure of goes the full way."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from gateway_testing import ANNA, csrf_token, login

from gateway.identity.sessions import SessionStore
from gateway.proxy import forward, lane
from meemaken_testkit.tokens import bearer


@pytest.fixture()
def app(make_gateway, provider, upstream):
    return make_gateway(provider, PROPOSALS_BASE_URL=upstream.url, MEEMAKEN_RATELIMIT_SUBMISSIONS="5/minute")


@pytest.fixture()
def loads(monkeypatch):
    """How often a session's row was read from the database."""
    counted = []
    original = SessionStore.load

    def load(self, sid):
        counted.append(sid)
        return original(self, sid)

    monkeypatch.setattr(SessionStore, "load", load)
    return counted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def logged_in(app):
    client = app.test_client()
    login(client, ANNA)
    return client, {"X-CSRFToken": csrf_token(client)}


def test_a_known_session_goes_on_without_reading_its_row_with_the_same_token_and_headers(app, upstream, loads):
    client, headers = logged_in(app)
    first = client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers)
    read = len(loads)
    second = client.post(
        "/api/proposals/v1/proposals", json={"title": "b"}, headers=headers | {"X-Correlation-ID": "lane-1"}
    )
    third = client.get("/api/proposals/v1/proposals?page=2")
    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 200)
    assert len(loads) == read  # neither request read the session again
    one, two, three = upstream.received[-3:]
    assert one["headers"]["Authorization"] == two["headers"]["Authorization"] == three["headers"]["Authorization"]
    assert two["body"] == '{"title": "b"}' and two["who"]["roles"] == ["resident"]
    assert three["path"] == "/api/v1/proposals?page=2"
    assert second.headers["X-Correlation-ID"] == "lane-1" == two["headers"]["X-Correlation-Id"]
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert second.headers[name] == first.headers[name]
    assert second.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "Cookie" not in two["headers"] and "X-Csrftoken" not in two["headers"]


def test_another_csrf_token_or_none_goes_the_full_way_and_is_refused(app, upstream, loads):
    client, headers = logged_in(app)
    client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers)
    before, read = len(upstream.received), len(loads)
    for forged in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": headers["X-CSRFToken"] + "x"}):
        refused = client.post("/api/proposals/v1/proposals", json={"title": "x"}, headers=forged)
        assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert len(upstream.received) == before and len(loads) == read + 3


def test_a_cross_site_origin_goes_the_full_way(app, upstream, loads):
    client, headers = logged_in(app)
    client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers)
    read = len(loads)
    client.post("/api/proposals/v1/proposals", json={}, headers=headers | {"Origin": "https://elsewhere.example"})
    assert len(loads) == read + 1


def test_logout_ends_the_lane_at_once(app, upstream):
    client, headers = logged_in(app)
    cookie = client.get_cookie("meemaken").value
    client.get("/api/proposals/v1/proposals")
    client.post("/logout", data={"csrf_token": headers["X-CSRFToken"]})
    replay = app.test_client()
    replay.set_cookie("meemaken", cookie)
    answer = replay.get("/api/proposals/v1/proposals")
    assert answer.status_code == 401


def test_a_session_ended_elsewhere_passes_at_most_the_lanes_seconds(app, upstream):
    clock = Clock()
    app.extensions["gateway"].known_sessions.clock = clock
    client, _headers = logged_in(app)
    assert client.get("/api/proposals/v1/proposals").status_code == 200
    with app.extensions["gateway"].engine.begin() as conn:  # another worker logged it out
        conn.execute(sa.text("DELETE FROM sessions"))
    clock.now += 29
    assert client.get("/api/proposals/v1/proposals").status_code == 200
    clock.now += 2
    assert client.get("/api/proposals/v1/proposals").status_code == 401


def test_after_the_lanes_seconds_a_live_session_is_read_again_and_goes_on_a_changed_one_the_full_way(
    app, upstream, loads
):
    clock = Clock()
    app.extensions["gateway"].known_sessions.clock = clock
    client, headers = logged_in(app)
    assert client.post("/api/proposals/v1/proposals", json={}, headers=headers).status_code == 201
    first = upstream.received[-1]["headers"]["Authorization"]
    read = len(loads)
    clock.now += 31
    assert client.post("/api/proposals/v1/proposals", json={}, headers=headers).status_code == 201
    assert client.post("/api/proposals/v1/proposals", json={}, headers=headers).status_code == 201
    assert len(loads) == read + 1  # its row read once again, then the lane for another while
    assert upstream.received[-1]["headers"]["Authorization"] == first
    with app.extensions["gateway"].engine.begin() as conn:  # an official verified a new district meanwhile
        conn.execute(sa.text('UPDATE sessions SET desk_attrs = \'{"district": "noord"}\''))
    clock.now += 31
    assert client.post("/api/proposals/v1/proposals", json={}, headers=headers).status_code == 201
    assert upstream.received[-1]["who"]["attrs"]["district"] == "noord"  # the full path: the new identity
    with app.extensions["gateway"].engine.begin() as conn:  # another worker logged it out
        conn.execute(sa.text("DELETE FROM sessions"))
    clock.now += 31
    assert client.post("/api/proposals/v1/proposals", json={}, headers=headers).status_code == 401


def test_the_lane_keeps_the_per_account_limit(app, upstream):
    client, headers = logged_in(app)
    statuses = [
        client.post(f"/api/proposals/v1/proposals/{uuid.uuid4()}/support", headers=headers).status_code
        for _ in range(6)
    ]
    assert statuses == [201] * 5 + [429]
    limited = client.post(f"/api/proposals/v1/proposals/{uuid.uuid4()}/support", headers=headers)
    assert limited.status_code == 429 and limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0 and limited.headers["X-Frame-Options"] == "DENY"
    assert limited.get_json()["instance"].startswith("/api/proposals/v1/proposals/")


def test_a_service_down_behind_the_lane_answers_503_problem(app, upstream):
    client, _headers = logged_in(app)
    assert client.get("/api/proposals/v1/proposals").status_code == 200
    upstream.server.shutdown()
    upstream.server.server_close()
    forward._pools.clear()  # the dev server's keep-alive threads outlive it: no old connection to reuse
    answer = client.get("/api/proposals/v1/proposals")
    assert answer.status_code == 503 and answer.content_type == "application/problem+json"
    assert answer.headers["Retry-After"] == "5" and "proposals service is unavailable" in answer.get_json()["detail"]


def test_bearer_and_anonymous_requests_never_teach_the_lane(app, upstream):
    known = app.extensions["gateway"].known_sessions
    app.test_client().get("/api/proposals/v1/proposals", headers=bearer("gateway", "resident"))
    anonymous = app.test_client()
    anonymous.set_cookie("meemaken", "made-up")
    assert anonymous.get("/api/proposals/v1/proposals").status_code == 401
    assert known._known == {}


def test_seconds_zero_turns_the_lane_off(make_gateway, provider, upstream, loads):
    app = make_gateway(provider, PROPOSALS_BASE_URL=upstream.url, MEEMAKEN_SESSION_CACHE_SECONDS="0")
    client, _ = logged_in(app)
    read = len(loads)
    client.get("/api/proposals/v1/proposals")
    client.get("/api/proposals/v1/proposals")
    assert len(loads) == read + 2


def test_a_method_the_full_path_refuses_is_refused_for_a_known_session_too(app, upstream):
    client, headers = logged_in(app)
    assert client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers).status_code == 201
    before = len(upstream.received)
    anonymous = app.test_client().open("/api/proposals/v1/proposals", method="PROPFIND")
    for method in ("PROPFIND", "TRACE", "CONNECT"):
        refused = client.open("/api/proposals/v1/proposals", method=method, headers=headers)
        assert refused.status_code == 405 == anonymous.status_code
        assert refused.content_type == "application/problem+json" == anonymous.content_type
        assert refused.get_json() == anonymous.get_json()
    assert len(upstream.received) == before  # nothing forwarded


def test_a_path_with_a_line_break_gets_the_full_path_s_404_and_reaches_no_service(app, monkeypatch):
    client, _headers = logged_in(app)
    assert client.get("/api/proposals/v1/proposals").status_code == 200  # the lane knows the session now
    passed = []
    monkeypatch.setattr(lane, "send", lambda *args, **kwargs: passed.append(args) or forward.send(*args, **kwargs))
    assert client.get("/api/proposals/v1/proposals?page=2").status_code == 200 and len(passed) == 1  # the lane
    broken = "/api/proposals/v1/proposals%0Aanything"
    full = app.test_client().get(broken)  # anonymous: the full way
    taken = client.get(broken)
    assert taken.status_code == full.status_code == 404
    assert (taken.content_type, taken.get_json()) == (full.content_type, full.get_json())
    assert len(passed) == 1  # not passed on
