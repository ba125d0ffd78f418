"""The app factory every service uses: one Flask app, one flask-smorest Api, one error format.

``create_service_app`` gives a service, before its own blueprints:

- RFC 9457 problem+json for every error (validation, 404, 405, 413 oversized body, 500; 503 with
  Retry-After when the database is gone for a moment);
- a view whose transaction collided with another one (SQLite busy, a PostgreSQL serialization failure or
  deadlock) run again from the start before anything of it committed, up to ``MEEMAKEN_DB_RETRIES`` times
  (``meemaken_kit.uow.retrying``), then the 503;
- authentication: every request's bearer token verified (``meemaken_kit.auth``); endpoints not
  declared public refuse anonymous requests with 401;
- ``Idempotency-Key`` on state-changing requests when ``idempotency=True`` (``meemaken_kit.idempotency``);
- hostile input refused before any view (``meemaken_kit.input_guard``): out-of-range integers, deep
  JSON, lone surrogates and NUL characters get a 4xx problem naming the field;
- ``/healthz`` (the process lives) and ``/readyz`` (its database answers), public;
- ``/metrics`` for Prometheus, to an administrator or a scraper's service credential (``metrics:read``);
- the correlation id: taken from ``X-Correlation-ID`` when harmless, else new; set for the
  request's log lines and events, and echoed in the response;
- a trace span per request when tracing is configured (``meemaken_kit.tracing``).
"""

from __future__ import annotations

import http
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from marshmallow import INCLUDE, Schema, fields
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from werkzeug.exceptions import HTTPException, InternalServerError

from meemaken_events.correlation import accept_correlation_id, reset_correlation_id, set_correlation_id
from meemaken_events.tables import reading
from meemaken_kit.auth import Principal, install_authentication, install_security_scheme, principal, public
from meemaken_kit.config import Settings
from meemaken_kit.idempotency import IdempotencyKeyDocs, install_idempotency
from meemaken_kit.input_guard import install_input_guard
from meemaken_kit.problems import PROBLEM_JSON, from_http_exception, problem
from meemaken_kit.roles import Role
from meemaken_kit.tokens import TokenVerifier
from meemaken_kit.tracing import install_tracing
from meemaken_kit.uow import retrying

log = logging.getLogger("meemaken.http")
CORRELATION_HEADER = "X-Correlation-ID"

REQUESTS = Counter("meemaken_http_requests_total", "HTTP requests", ["endpoint", "method", "status"])
LATENCY = Histogram("meemaken_http_request_seconds", "HTTP request duration", ["endpoint", "method"])


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error of every meemaken API is shaped. A problem type may add
    its own members (RFC 9457 §3.2, e.g. what personal data was found): the document allows them."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "urn:meemaken:problem:invalid-request"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(
        fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "Per field: `pointer` (JSON pointer into the request) and `detail`."},
    )


class IsoJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with times as ISO 8601 (Flask writes RFC 1123, "Tue, 01 Dec 2026 09:00:00 GMT"):
    one format in every API, as the schemas' DateTime fields already write it."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class ServiceFlask(Flask):
    """Flask whose views run again from the start when their units of work collided (``uow.retrying``)."""

    transaction_retries = 0

    def dispatch_request(self) -> ResponseReturnValue:
        if not self.transaction_retries:
            return super().dispatch_request()
        return retrying(super().dispatch_request, self.transaction_retries, _rewind_uploads)


def _rewind_uploads() -> None:
    for _name, upload in request.files.items(multi=True):  # the next run reads each file from its start
        upload.stream.seek(0)


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with errors as problem details, in the responses and in the OpenAPI document."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}}
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def create_service_app(
    settings: Settings,
    title: str,
    blueprints: Iterable[Blueprint],
    engine: sa.Engine,
    extensions: dict[str, Any] | None = None,
    configure: Callable[[Flask], None] | None = None,
    errors: Mapping[type[Exception], tuple[int, str]] | None = None,
    verifier: TokenVerifier | None = None,
    session_principal: Callable[[], Principal | None] | None = None,
    idempotency: bool = False,
    public_edge: bool = False,
    retry_transactions: bool = True,
) -> Flask:
    """The service's app; `errors` maps its domain exceptions to a status and title: they answer as
    problem+json with the exception's message as the detail. `verifier` checks bearer tokens (by
    default the configured one: the gateway's JWKS, audience = the service's name); `session_principal`
    (the gateway's login session) says who is asking when a request carries no bearer token; the
    `public_edge` (the gateway) starts a new trace whatever trace context a caller sends. Without
    `retry_transactions` a view that collided answers 503 at once: for an app whose views call other
    services, which a re-run would call twice."""
    app = ServiceFlask(settings.service)
    app.transaction_retries = settings.db_retries if retry_transactions else 0
    app.json = IsoJSONProvider(app)
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_SORT_KEYS=False,
    )
    app.extensions["meemaken"] = {"settings": settings, "engine": engine, **(extensions or {})}
    spec_kwargs: dict[str, Any] = {"info": {"description": f"{title} (meemaken)"}}
    if idempotency:
        spec_kwargs["extra_plugins"] = [IdempotencyKeyDocs()]
    api = ProblemApi(app, spec_kwargs=spec_kwargs)
    install_security_scheme(api.spec)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["meemaken"]["api"] = api
    app.extensions["meemaken"]["public_endpoints"] = {"api-docs.openapi_json"}
    install_authentication(app, verifier or TokenVerifier.configured(settings.service, settings), session_principal)
    install_input_guard(app)
    if idempotency:  # the service's migrations create its table (meemaken_kit.idempotency)
        install_idempotency(app)
    _add_operations(app, engine)
    _add_correlation_and_metrics(app)
    _add_error_handlers(app)
    for error, (status, title) in (errors or {}).items():
        app.register_error_handler(error, _domain_problem(status, title))
    if configure is not None:
        configure(app)
    install_tracing(app, public_edge)
    return app


def _domain_problem(status: int, title: str) -> Callable[[Exception], Response]:
    return lambda error: problem(status, title, str(error))


def _add_operations(app: Flask, engine: sa.Engine) -> None:
    @app.get("/healthz")
    @public
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    @public
    def readyz() -> Any:
        try:
            with engine.connect() as conn:
                reading(conn).execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return problem(503, "Not ready", f"database unavailable: {type(exc).__name__}")
        return {"status": "ready"}

    @app.get("/metrics")
    def metrics() -> Response:
        who = principal()
        if who is None or not (who.has(Role.ADMINISTRATOR) or who.may("metrics:read")):
            return problem(403, "Forbidden", "Metrics are for an administrator or a scraper with metrics:read.")
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def _add_correlation_and_metrics(app: Flask) -> None:
    @app.before_request
    def start() -> None:
        g.correlation_id = accept_correlation_id(request.headers.get(CORRELATION_HEADER))
        g.correlation_token = set_correlation_id(g.correlation_id)
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")  # a body is what its type says
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def forget(_exc: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            reset_correlation_id(token)


def _add_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return from_http_exception(error)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error: sa.exc.DBAPIError) -> Response:
        # A restarted or unreachable database: nothing was written; the pool reconnects on the next request.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        response = problem(503, "Service Unavailable", "The database is unavailable for a moment; please retry.")
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return from_http_exception(error)
        log.exception("unhandled error")
        return from_http_exception(InternalServerError())
