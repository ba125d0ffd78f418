"""The pass-through's fast lane: a login session this worker has just checked goes on without Flask.

A ballot through the gateway used to cost the gateway more CPU than the proposals service spent
counting it: the session's row read from the database, Flask's request machinery, the CSRF token's
signature checked again, on every request. Here a plain WSGI layer in front of the Flask app takes
``/api/<service>/...`` requests whose session cookie and CSRF token the full path (``forward``) has
accepted in this worker less than ``MEEMAKEN_SESSION_CACHE_SECONDS`` ago (default 30; 0 turns the lane
off). Everything else, and everything the lane is unsure of, goes the full way: so does a method the full path
does not forward (``TRACE``, ``PROPFIND``...), which it refuses with 405 problem+json.

When the seconds have passed, the lane reads the session's row again (one query, no Flask) and goes on
while it says what the full path accepted; a changed or ended session goes the full way.

The lane keeps what the full path enforces: the same rate limits per address and per account, the
token the services trust (from the same cache), only allowlisted headers, the security headers, the
request metrics and the correlation id. What it trades: a session ended in *another* worker process
(logout, expiry, a changed role) keeps passing here for at most the cache's seconds; logout in this
worker takes effect at once. A cookie is never learnt from an anonymous or bearer request.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_cookie

from gateway.proxy.forward import (
    METHODS,
    SAFE_METHODS,
    Outgoing,
    Unreachable,
    is_submission,
    outgoing_headers,
    send,
)
from gateway.proxy.known import Known, deadline
from gateway.ratelimits import TooManyRequests
from meemaken_events.correlation import accept_correlation_id
from meemaken_kit.app import LATENCY, REQUESTS
from meemaken_kit.problems import PROBLEM_JSON, problem_document
from meemaken_kit.tracing import routed

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from gateway.context import Gateway

ENDPOINT = "/api/<service>/<path:path>"  # the label the full path's metrics carry


class FastLane:
    """WSGI middleware: known sessions' API requests straight to ``send``; the rest to the Flask app."""

    def __init__(
        self,
        app: WSGIApplication,
        gw: Gateway,
        cookie_name: str,
        security_headers: Mapping[str, str],
        max_content_length: int,
    ) -> None:
        self.app, self.gw, self.cookie_name = app, gw, cookie_name
        self.known = gw.known_sessions
        self.headers = list(security_headers.items())
        self.replaced = frozenset(name.lower() for name in security_headers)
        self.origin = _origin(gw.settings.public_url)
        self.limit = max_content_length

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        taken = self._take(environ)
        if taken is None:
            return self.app(environ, start_response)
        known, service, path = taken
        return self._pass(environ, start_response, known, service, path)

    def _take(self, environ: WSGIEnvironment) -> tuple[Known, str, str] | None:
        """The request's session, service and path when the lane may take it; None sends it the full way."""
        method = environ["REQUEST_METHOD"]
        if not self.known.enabled or "HTTP_AUTHORIZATION" in environ or method not in METHODS:
            return None  # a method the full path does not forward: its 405 problem, from the full way
        full = environ.get("PATH_INFO", "")
        if not full.startswith("/api/"):
            return None
        service, _, path = full[5:].partition("/")
        if service not in self.gw.settings.services or not path or any(s in ("", ".", "..") for s in path.split("/")):
            return None
        if "\n" in path:  # the full path's route (<path:path>) stops at a line break: its 404, not a forward
            return None
        cookies = environ.get("HTTP_COOKIE")
        sid = parse_cookie(cookies).get(self.cookie_name) if cookies else None
        if not sid:
            return None
        known = self.known.get(sid) or self._renewed(sid)
        if known is None:
            return None
        if method not in SAFE_METHODS:
            if known.csrf is None or environ.get("HTTP_X_CSRFTOKEN") != known.csrf:
                return None
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin != self.origin:
                return None
            length = environ.get("CONTENT_LENGTH") or "0"
            if not length.isdigit() or int(length) > self.limit or "HTTP_TRANSFER_ENCODING" in environ:
                return None
        return known, service, path

    def _renewed(self, sid: str) -> Known | None:
        """A session whose lane seconds passed goes on for another while when its row, read again as the full
        path reads it (expiry and idle end included), still says what the full path accepted: same identity,
        same data (so the same CSRF secret), same principal. Anything else, or any error, goes the full way."""
        lapsed = self.known.lapsed(sid)
        if lapsed is None or lapsed.identity is None:
            return None
        store = self.gw.store
        try:
            session = store.load(sid)
            if session.ended or session.identity != lapsed.identity or dict(session) != lapsed.data:
                return None
            who = self.gw.principal_of(session.identity)
            not_after = deadline(store, session)
            if who != lapsed.principal or (not_after is not None and not_after <= time.monotonic()):
                return None
            if store.touch_due(session):
                store.touch(session)  # as the full path does: the idle end moves on while the lane is used
        except SQLAlchemyError:
            return None
        self.known.accepted(sid, who, lapsed.token_key, lapsed.csrf, not_after, session)
        return self.known.get(sid)

    def _pass(
        self, environ: WSGIEnvironment, start_response: StartResponse, known: Known, service: str, path: str
    ) -> Iterable[bytes]:
        began = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        routed(method, ENDPOINT)  # the trace's name for it, as on the full path
        correlation_id = accept_correlation_id(environ.get("HTTP_X_CORRELATION_ID"))
        try:
            if method in ("POST", "PUT") and is_submission(service, method, path):
                limiter, settings = self.gw.limiter, self.gw.settings
                limiter.hit(settings.submission_address_limits, "submissions-address", _address(environ))
                limiter.hit(settings.submission_limits, "submissions", f"account:{known.principal.subject}")
            token = self.gw.minter.token_for(known.principal, service, known.token_key)
            body = None
            if method not in SAFE_METHODS:
                body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or None
            answer = send(
                Outgoing(
                    service,
                    method,
                    self.gw.settings.services[service],
                    path,
                    environ.get("QUERY_STRING", "").encode("latin-1"),
                    outgoing_headers(lambda name: environ.get(_cgi(name)), correlation_id, token),
                    body,
                ),
                self.gw.settings.proxy_timeout_seconds,
            )
        except TooManyRequests as exc:
            detail = "You are sending this too often; please wait a moment and try again."
            return self._problem(start_response, environ, 429, "Too Many Requests", detail, exc.retry_after, began)
        except Unreachable as exc:
            return self._problem(start_response, environ, exc.status, exc.title, exc.detail, exc.retry_after, began)
        headers = [(k, v) for k, v in answer.headers if k.lower() not in self.replaced]
        headers += [*self.headers, ("X-Correlation-ID", correlation_id)]
        start_response(_status_line(answer.status), headers)
        _count(method, answer.status, began)
        return answer.stream if answer.stream is not None else [answer.body]

    def _problem(
        self,
        start_response: StartResponse,
        environ: WSGIEnvironment,
        status: int,
        title: str,
        detail: str,
        retry_after: int | str | None,
        began: float,
    ) -> Iterator[bytes]:
        body = problem_document(status, title, detail, environ.get("PATH_INFO", ""))
        headers = [("Content-Type", PROBLEM_JSON), ("Content-Length", str(len(body))), *self.headers]
        if retry_after:
            headers.append(("Retry-After", str(retry_after)))
        start_response(_status_line(status), headers)
        _count(environ["REQUEST_METHOD"], status, began)
        yield body


def _cgi(header: str) -> str:
    name = header.upper().replace("-", "_")
    return name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"


def _address(environ: WSGIEnvironment) -> str:
    return f"address:{environ.get('REMOTE_ADDR')}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _count(method: str, status: int, began: float) -> None:
    REQUESTS.labels(ENDPOINT, method, str(status)).inc()
    LATENCY.labels(ENDPOINT, method).observe(time.perf_counter() - began)
