"""Tracing with OpenTelemetry, set up once per process from the standard ``OTEL_*`` variables, read with the
service's settings (meemaken_kit.config: a wrong exporter name stops the start in one line).

- ``OTEL_TRACES_EXPORTER``: ``otlp`` (OTLP over HTTP), ``zipkin``, ``console`` or ``none``, comma-separated.
  Unset, an endpoint chooses: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)
  means otlp, ``OTEL_EXPORTER_ZIPKIN_ENDPOINT`` zipkin. With neither, nothing is set up: every span is the
  API's no-op and no event carries a ``traceparent``. ``OTEL_SDK_DISABLED=true`` turns it all off.
- ``OTEL_SERVICE_NAME`` (default: the service's name), ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``
  and the exporters' own variables (headers, timeouts, certificates) as the SDK reads them.

Each HTTP request is a SERVER span named by its method and route template (``POST /api/v1/proposals``),
never the raw path or query string, which may hold a person's id; its attributes are the method, the route
and the status. Services behind the gateway continue the gateway's trace (``traceparent``); the gateway, the
public door, starts a new one whatever a caller sends. Spans across the outbox and Kafka:
``meemaken_events.tracing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from opentelemetry import trace
from opentelemetry.context import Context

from meemaken_events.tracing import incoming, trace_headers
from meemaken_kit.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["configure_tracing", "enabled", "install_tracing", "routed", "trace_headers"]

TRACER = "meemaken.http"


def enabled() -> bool:
    """Whether this process has a tracer provider that records (configured here, or by a test)."""
    from opentelemetry.sdk.trace import TracerProvider

    return isinstance(trace.get_tracer_provider(), TracerProvider)


def configure_tracing(settings: Settings) -> bool:
    """Set up the SDK with the configured exporters, once per process (after the server started its workers: each worker
    exports its own spans in a background thread). True when spans are now recorded."""
    if enabled():
        return True
    names = settings.exporters
    if not names:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service = settings.otel_service_name or settings.service
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    trace.set_tracer_provider(provider)  # flushed and shut down at exit
    return True


def _exporter(name: str) -> SpanExporter:
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if name == "zipkin":
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        return ZipkinExporter()
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    return ConsoleSpanExporter()


def install_tracing(app: Flask, public_edge: bool = False) -> None:
    """A SERVER span around every request of the app (outermost, so the gateway's fast lane is in it
    too), named by its route once Flask matched one. Nothing when tracing is not configured."""
    if not enabled():
        return
    app.wsgi_app = TracedRequests(app.wsgi_app, public_edge)  # type: ignore[method-assign]

    @app.after_request
    def name_by_route(response: Response) -> Response:
        if request.url_rule is not None:
            routed(request.method, request.url_rule.rule)
        return response


def routed(method: str, route: str) -> None:
    """Name the request's span by its route template (for a WSGI layer that routes without Flask)."""
    span = trace.get_current_span()
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)


class TracedRequests:
    """WSGI middleware: one SERVER span per request, with the method, the route and the status only."""

    def __init__(self, app: WSGIApplication, public_edge: bool) -> None:
        self.app, self.public_edge = app, public_edge
        self.tracer = trace.get_tracer(TRACER)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        parent = Context() if self.public_edge else incoming(_trace_context(environ))
        with self.tracer.start_as_current_span(
            method,
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method},
            record_exception=False,  # an exception's message may quote the request
            set_status_on_exception=False,
        ) as span:

            def traced_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                code = int(status.split(" ", 1)[0])
                span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    span.set_status(trace.StatusCode.ERROR)
                return start_response(status, headers, exc_info)

            try:
                return self.app(environ, traced_start_response)
            except BaseException as exc:
                span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
                raise


def _trace_context(environ: WSGIEnvironment) -> dict[str, str]:
    found = {"traceparent": environ.get("HTTP_TRACEPARENT"), "tracestate": environ.get("HTTP_TRACESTATE")}
    return {name: str(value) for name, value in found.items() if value}
