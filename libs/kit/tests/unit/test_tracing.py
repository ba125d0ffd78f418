"""Tracing: what the environment switches on, and each request's SERVER span (in-memory exporter)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from opentelemetry import trace

from meemaken_kit import Settings, create_service_app
from meemaken_kit.auth import public
from meemaken_kit.config import ConfigurationError
from meemaken_kit.tokens import KeySet, SigningKey, SigningKeys, TokenVerifier
from meemaken_testkit.tracing import recorded_spans

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

blp = Blueprint("people", __name__, url_prefix="/api/v1")


@blp.route("/residents/<resident_id>/messages")
class Messages(MethodView):
    @public
    def get(self, resident_id: str) -> dict[str, str]:
        return {"ok": "yes"}


@blp.route("/private")
class Private(MethodView):
    def get(self) -> dict[str, str]:
        return {"ok": "yes"}


@pytest.mark.parametrize(
    ("env", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "proposals"}, []),
        ({"OTEL_TRACES_EXPORTER": "none"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_ZIPKIN_ENDPOINT": "http://127.0.0.1:9411/api/v2/spans"}, ["zipkin"]),
        ({"OTEL_TRACES_EXPORTER": "otlp, Zipkin"}, ["otlp", "zipkin"]),
        ({"OTEL_TRACES_EXPORTER": "zipkin", "OTEL_SDK_DISABLED": "true"}, []),
    ],
)
def test_nothing_is_exported_unless_the_environment_says_where(env, exporters) -> None:  # type: ignore[no-untyped-def]
    assert Settings.from_env("kit", env).exporters == exporters


def test_an_unknown_exporter_stops_the_start_in_one_line_with_what_to_use() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env("kit", {"OTEL_TRACES_EXPORTER": "otlp,jaeger"})
    assert str(refused.value) == (
        "kit: configuration refused: OTEL_TRACES_EXPORTER: unknown exporter jaeger (use otlp, zipkin, console or none)"
        " (got 'otlp,jaeger')"
    )


def app(public_edge: bool = False):  # type: ignore[no-untyped-def]
    recorded_spans()  # a recording tracer provider before the app is made: the app gets its middleware
    keys = SigningKeys((SigningKey.generate("k1"),))
    verifier = TokenVerifier("proposals", "https://gateway.example/", KeySet.static(keys.jwks()))
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    return create_service_app(
        settings, "People", [blp], sa.create_engine("sqlite://"), verifier=verifier, public_edge=public_edge
    )


def test_a_request_is_a_server_span_named_by_its_route_without_the_path_or_query() -> None:
    client = app().test_client()
    spans = recorded_spans()
    person = str(uuid.uuid4())
    assert client.get(f"/api/v1/residents/{person}/messages?email=anna@example.org").status_code == 200
    assert client.get("/api/v1/private").status_code == 401
    found, refused = spans.get_finished_spans()
    assert found.name == "GET /api/v1/residents/<resident_id>/messages" and found.kind == trace.SpanKind.SERVER
    assert dict(found.attributes or {}) == {
        "http.request.method": "GET",
        "http.route": "/api/v1/residents/<resident_id>/messages",
        "http.response.status_code": 200,
    }
    assert person not in repr(found.to_json()) and "anna" not in found.to_json()
    assert refused.name == "GET /api/v1/private" and (refused.attributes or {})["http.response.status_code"] == 401


def test_a_service_continues_its_callers_trace_and_the_public_edge_starts_its_own() -> None:
    behind, edge = app().test_client(), app(public_edge=True).test_client()
    spans = recorded_spans()
    behind.get("/api/v1/residents/x/messages", headers={"traceparent": CALLER})
    edge.get("/api/v1/residents/x/messages", headers={"traceparent": CALLER})
    continued, started = spans.get_finished_spans()
    assert f"{continued.context.trace_id:032x}" == CALLER.split("-")[1]
    assert continued.parent is not None and f"{continued.parent.span_id:016x}" == CALLER.split("-")[2]
    assert started.parent is None and f"{started.context.trace_id:032x}" != CALLER.split("-")[1]
