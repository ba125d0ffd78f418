"""The gateway's trace: a new one for every public request, passed on to the service it calls."""

from __future__ import annotations

import uuid

import pytest
from gateway_testing import ANNA, csrf_token, login

from meemaken_testkit.tracing import recorded_spans

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture()
def app(make_gateway, provider, upstream):
    recorded_spans()  # tracing on before the app is made
    return make_gateway(provider, PROPOSALS_BASE_URL=upstream.url)


def test_the_service_continues_the_gateways_trace_never_the_callers(app, upstream):
    spans = recorded_spans()
    person = str(uuid.uuid4())
    answer = app.test_client().get(f"/api/proposals/v1/public?resident={person}", headers={"traceparent": CALLER})
    assert answer.status_code == 200
    [server] = [s for s in spans.get_finished_spans() if s.name.startswith("GET /api/<service>")]
    assert server.parent is None, "the public door starts its own trace"
    assert server.name == "GET /api/<service>/<path:path>" and person not in server.to_json()
    sent = {name.lower(): value for name, value in upstream.received[-1]["headers"].items()}
    assert sent["traceparent"].startswith(f"00-{server.context.trace_id:032x}-{server.context.span_id:016x}-")


def test_the_fast_lane_is_traced_like_the_full_path(app, upstream):
    client = app.test_client()
    login(client, ANNA)
    headers = {"X-CSRFToken": csrf_token(client)}
    client.post("/api/proposals/v1/proposals", json={"title": "a"}, headers=headers)  # the full path: the lane learns
    spans = recorded_spans()
    assert client.post("/api/proposals/v1/proposals", json={"title": "b"}, headers=headers).status_code == 201
    [server] = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER" and s.parent is None]
    assert server.name == "POST /api/<service>/<path:path>" and server.attributes["http.response.status_code"] == 201
    sent = {name.lower(): value for name, value in upstream.received[-1]["headers"].items()}
    assert sent["traceparent"].split("-")[1] == f"{server.context.trace_id:032x}"
