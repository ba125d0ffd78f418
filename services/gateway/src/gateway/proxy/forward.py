"""``/api/<service>/<path>`` -> ``<SERVICE>_BASE_URL/api/<path>``, with a token the service trusts.

The caller is the login session (then CSRF applies to unsafe methods: send the page's token in
``X-CSRFToken``), or a bearer token for ``aud=gateway`` (scripts: ``meemaken-token --aud gateway``),
or nobody: an anonymous request goes on without a token and the service decides (public endpoints
answer, the others 401). Only an allowlist of request headers passes (so ``Authorization``, ``Cookie``,
every ``X-Meemaken-*`` and hop-by-hop header stay behind); the response streams back with its status
and headers. One pooled HTTP client per process; per request: one dictionary lookup for the token.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote

import urllib3
from flask import Blueprint, Response, g, request, session

from gateway.context import gateway
from gateway.identity.tokens import session_cache_key
from gateway.settings import SUBMISSIONS
from gateway.web import csrf
from meemaken_kit.auth import Principal, principal, public
from meemaken_kit.problems import problem

log = logging.getLogger("gateway.proxy")

proxy = Blueprint("proxy", __name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
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
SUBMISSION_PATTERNS = [(svc, method, re.compile(f"^{pattern}$")) for svc, method, pattern in SUBMISSIONS]

_pool: urllib3.PoolManager | None = None


def pool() -> urllib3.PoolManager:
    """One pool per process (made after gunicorn forks: sockets are never shared between workers)."""
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=8, maxsize=32, block=False)
    return _pool


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
    if request.method in ("POST", "PUT") and is_submission(service, request.method, path):
        with gw.limiter.limit(gw.settings.submission_address_limits, "submissions-address"):
            if who is None:
                return _forward(base, service, path, None)
            with gw.limiter.limit(gw.settings.submission_limits, "submissions", f"account:{who.subject}"):
                return _forward(base, service, path, _token(who, service, bearer))
    return _forward(base, service, path, None if who is None else _token(who, service, bearer))


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
    headers = {name: value for name in PASSED_REQUEST_HEADERS if (value := request.headers.get(name)) is not None}
    headers["X-Correlation-ID"] = g.get("correlation_id", "")
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{base}/api/{quote(path, safe='/:@!$&()*+,;=-._~')}"
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    body = request.get_data(cache=False) if request.method not in SAFE_METHODS else None
    try:
        upstream = pool().urlopen(
            request.method,
            url,
            body=body or None,
            headers=headers,
            redirect=False,
            retries=urllib3.Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0, raise_on_status=False),
            timeout=urllib3.Timeout(connect=2.0, read=gw.settings.proxy_timeout_seconds),
            preload_content=False,
            decode_content=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return _unavailable(service, exc)
    passed = [(k, v) for k, v in upstream.headers.items() if k.lower() not in DROPPED_RESPONSE_HEADERS]
    length = upstream.headers.get("Content-Length")
    if request.method == "HEAD" or (length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT):
        try:
            data = upstream.read()
        except urllib3.exceptions.HTTPError as exc:
            log.warning("service failed mid-answer", extra={"service": service, "error": type(exc).__name__})
            return problem(502, "Bad Gateway", f"The {service} service broke off its answer.")
        finally:
            upstream.release_conn()
        response = Response(data, status=upstream.status, headers=passed)
        if request.method == "HEAD" and length is not None:
            response.headers["Content-Length"] = length
        return response
    return Response(_stream(upstream), status=upstream.status, headers=passed, direct_passthrough=True)


def _unavailable(service: str, exc: urllib3.exceptions.HTTPError) -> Response:
    """The service is down (503), slow (504) or broke off (502): a problem, never a 500."""
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
    log.warning("service did not answer", extra={"service": service, "error": type(reason).__name__})
    if isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError):
        response = problem(503, "Service Unavailable", f"The {service} service is unavailable; please try again soon.")
        response.headers["Retry-After"] = "5"
        return response
    if isinstance(reason, urllib3.exceptions.TimeoutError):
        return problem(504, "Gateway Timeout", f"The {service} service did not answer in time.")
    return problem(502, "Bad Gateway", f"The {service} service gave no usable answer.")


def _stream(upstream: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from upstream.stream(64 * 1024, decode_content=False)
    finally:
        upstream.release_conn()
