"""``/api/<service>/<path>`` -> ``<SERVICE>_BASE_URL/api/<path>``, with a token the service trusts.

The caller is the login session (then CSRF applies to unsafe methods: send the page's token in
``X-CSRFToken``), or a bearer token for ``aud=gateway`` (scripts: ``meemaken-token --aud gateway``),
or nobody: an anonymous request goes on without a token and the service decides (public endpoints
answer, the others 401). Only an allowlist of request headers passes (so ``Authorization``, ``Cookie``,
every ``X-Meemaken-*`` and hop-by-hop header stay behind); the response streams back with its status
and headers. One pool of keep-alive connections per service and process (``gateway.proxy.upstream``);
per request: one dictionary lookup for the token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, g, request, session

from gateway.context import Gateway, gateway
from gateway.identity.sessions import ServerSession
from gateway.identity.tokens import session_cache_key
from gateway.proxy.known import deadline
from gateway.proxy.upstream import Answer, BadAnswer, ConnectFailed, Pool, TimedOut
from gateway.settings import SUBMISSIONS
from gateway.web import csrf
from meemaken_kit.auth import Principal, principal, public
from meemaken_kit.problems import problem
from meemaken_kit.tracing import trace_headers

log = logging.getLogger("gateway.proxy")

proxy = Blueprint("proxy", __name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # others: 405 (the lane too)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PASSED_REQUEST_HEADERS = (
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "If-Range",
    "Range",
    "Prefer",
    "Idempotency-Key",
    "User-Agent",
)
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "server",
        "date",
        "set-cookie",
        "x-correlation-id",
    }
)
BUFFER_LIMIT = 1024 * 1024
QUERY_SAFE = "/?:@!$&'()*+,;=-._~%"  # what a query may hold as it is; the rest (spaces, line breaks) encoded
SUBMISSION_PATTERNS = [(svc, method, re.compile(f"^{pattern}$")) for svc, method, pattern in SUBMISSIONS]

_pools: dict[str, Pool] = {}
_pools_lock = threading.Lock()


def pool(base: str) -> Pool:
    """One keep-alive pool per service and process (made in the worker process: sockets are never shared
    between workers)."""
    found = _pools.get(base)
    if found is None:
        with _pools_lock:
            found = _pools.get(base) or Pool(base)
            _pools[base] = found
    return found


def is_submission(service: str, method: str, path: str) -> bool:
    return any(s == service and m == method and p.match(path) for s, m, p in SUBMISSION_PATTERNS)


@proxy.route("/api/<service>/<path:path>", methods=METHODS)
@public
@csrf.exempt
def forward(service: str, path: str) -> Response:
    gw = gateway()
    base = gw.settings.services.get(service)
    if base is None:
        return problem(404, "Not Found", f"There is no service called {service!r}.")
    segments = path.split("/")
    if any(s in ("", ".", "..") for s in segments):
        return problem(404, "Not Found", "No such path.")
    who = principal()
    if who is None and g.get("session_ended"):
        return problem(401, "Unauthorized", "Your session has ended; please log in again.")
    bearer = request.headers.get("Authorization")
    if who is not None and bearer is None and request.method not in SAFE_METHODS:
        csrf.protect()  # a session caller: the page's token must come along (X-CSRFToken)
    if who is not None and who.service is not None:
        return problem(403, "Forbidden", "A service calls the other services directly, with its own credentials.")
    if who is not None and bearer is None:
        _known(gw, who)
    if request.method in ("POST", "PUT") and is_submission(service, request.method, path):
        with gw.limiter.limit(gw.settings.submission_address_limits, "submissions-address"):
            if who is None:
                return _forward(base, service, path, None)
            with gw.limiter.limit(gw.settings.submission_limits, "submissions", f"account:{who.subject}"):
                return _forward(base, service, path, _token(who, service, bearer))
    return _forward(base, service, path, None if who is None else _token(who, service, bearer))


def _known(gw: Gateway, who: Principal) -> None:
    """Tell the fast lane this session passed, with the CSRF token it checked, until the session's first
    deadline (provider token expiry, idle or absolute end) or the lane's own seconds."""
    if not isinstance(session, ServerSession) or session.sid is None or session.identity is None:
        return
    csrf_token = request.headers.get("X-CSRFToken") if request.method not in SAFE_METHODS else None
    not_after = deadline(gw.store, session)
    gw.known_sessions.accepted(session.sid, who, session_cache_key(session.key), csrf_token, not_after, session)


def _token(who: Principal, service: str, bearer: str | None) -> str:
    gw = gateway()
    if bearer is None:
        return gw.minter.token_for(who, service, session_cache_key(getattr(session, "key", None)))
    raw = bearer.partition(" ")[2].strip()
    key = ("bearer", hashlib.sha256(raw.encode()).digest())
    expires_at = who.expires_at  # the token made from the caller's own must not outlive it
    return gw.minter.token_for(who, service, key, not_after=None if expires_at is None else lambda: expires_at)


def _forward(base: str, service: str, path: str, token: str | None) -> Response:
    gw = gateway()
    body = request.get_data(cache=False) if request.method not in SAFE_METHODS else None
    try:
        answer = send(
            Outgoing(
                service,
                request.method,
                base,
                path,
                request.query_string,
                outgoing_headers(request.headers.get, g.get("correlation_id", ""), token),
                body or None,
            ),
            gw.settings.proxy_timeout_seconds,
        )
    except Unreachable as exc:
        response = problem(exc.status, exc.title, exc.detail)
        if exc.retry_after:
            response.headers["Retry-After"] = exc.retry_after
        return response
    if answer.stream is not None:
        return Response(answer.stream, status=answer.status, headers=answer.headers, direct_passthrough=True)
    response = Response(answer.body, status=answer.status, headers=answer.headers)
    length = dict(answer.headers).get("Content-Length")
    if request.method == "HEAD" and length is not None:
        response.headers["Content-Length"] = length  # what a GET would carry, not the empty body's
    return response


@dataclass(frozen=True)
class Outgoing:
    """A request as it goes on to a service."""

    service: str
    method: str
    base: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes | None

    @property
    def target(self) -> str:
        """The path and query on the service (its base URL's path, if any, in front)."""
        prefix = urlsplit(self.base).path.rstrip("/")
        target = f"{prefix}/api/{quote(self.path, safe='/:@!$&()*+,;=-._~')}"
        return target + "?" + quote(self.query, safe=QUERY_SAFE) if self.query else target


class Unreachable(Exception):
    """The service is down (503), slow (504) or broke off (502): answered as a problem, never a 500."""

    def __init__(self, status: int, title: str, detail: str, retry_after: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.retry_after = status, title, detail, retry_after


def outgoing_headers(header: Callable[[str], str | None], correlation_id: str, token: str | None) -> dict[str, str]:
    """The allowlisted request headers, the correlation id, the gateway's trace context (never the
    caller's) and the service's token."""
    headers = {name: value for name in PASSED_REQUEST_HEADERS if (value := header(name)) is not None}
    headers["X-Correlation-ID"] = correlation_id
    headers.update(trace_headers())
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def send(out: Outgoing, timeout: float) -> Answer:
    """The one way the gateway passes a request on (the Flask view and the fast lane both call it)."""
    service = out.service
    try:
        answer = pool(out.base).request(out.method, out.target, out.headers, out.body, timeout, BUFFER_LIMIT)
    except ConnectFailed as exc:
        log.warning("service did not answer", extra={"service": service, "error": str(exc)})
        detail = f"The {service} service is unavailable; please try again soon."
        raise Unreachable(503, "Service Unavailable", detail, retry_after="5") from None
    except TimedOut:
        log.warning("service did not answer", extra={"service": service, "error": "timeout"})
        raise Unreachable(504, "Gateway Timeout", f"The {service} service did not answer in time.") from None
    except BadAnswer as exc:
        log.warning("service failed mid-answer", extra={"service": service, "error": str(exc)})
        raise Unreachable(502, "Bad Gateway", f"The {service} service gave no usable answer.") from None
    answer.headers = [(k, v) for k, v in answer.headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
    return answer
