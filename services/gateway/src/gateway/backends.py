"""How the gateway's own pages call the services' APIs: server-side, with a token it mints for the caller.

One way to do it for every page (portal now, casework later): ``api().get("proposals", "v1/proposals",
params=...)``. The caller is the login session (its token is minted once and reused, like the
pass-through's), or nobody: then the request goes without a token and only public endpoints answer.
The gateway keeps none of what comes back: it renders it and forgets it.

Answers become values or one of two exceptions a page can explain in plain words:
``Refused`` (the service said no: 4xx, with its problem details) and ``Unavailable`` (down, slow, 5xx).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3
from flask import current_app, g, session
from flask_babel import get_locale

from gateway.context import gateway
from gateway.identity.tokens import session_cache_key
from gateway.proxy.forward import pool
from gateway.proxy.upstream import BadAnswer, ConnectFailed, TimedOut
from meemaken_kit.auth import principal
from meemaken_kit.tracing import trace_headers

log = logging.getLogger("gateway.backends")

BODY_LIMIT = 8 * 1024 * 1024  # answers up to this size are read at once, larger ones in parts


class ServiceError(Exception):
    """A service call that did not give the page what it asked for."""


class Unavailable(ServiceError):
    """The service is down, too slow, or failed (5xx): try again later."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service


@dataclass
class Refused(ServiceError):
    """The service answered 4xx: its status, problem title and detail, and field errors (422)."""

    status: int
    title: str = ""
    detail: str = ""
    errors: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


class Backends:
    def __init__(self, services: Mapping[str, str], timeout: float) -> None:
        self.services = services
        self.timeout = timeout

    def call(
        self,
        method: str,
        service: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
        content: tuple[bytes, str] | None = None,
    ) -> Any:
        base = self.services[service]
        url = f"{urlsplit(base).path.rstrip('/')}/api/{quote(path)}"
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if query:
            url += "?" + urlencode(query, doseq=True)
        headers = {
            "Accept": "application/json",
            "Accept-Language": str(get_locale() or "nl"),
            "X-Correlation-ID": g.get("correlation_id", ""),
            **trace_headers(),  # the service's span joins this page's trace
        }
        token = caller_token(service)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if content is not None:  # bytes as they are, with their content type (a multipart upload)
            data, headers["Content-Type"] = content
        try:
            answer = pool(base).request(method, url, headers, data, self.timeout, BODY_LIMIT)  # the pass-through's pool
            received = answer.body if answer.stream is None else b"".join(answer.stream)
        except (ConnectFailed, TimedOut, BadAnswer) as exc:
            log.warning("service did not answer", extra={"service": service, "error": type(exc).__name__})
            raise Unavailable(service, type(exc).__name__) from None
        if answer.status >= 500:
            log.warning("service failed", extra={"service": service, "status": answer.status})
            raise Unavailable(service, f"status {answer.status}")
        if idempotency_key:  # the service's answer again, to a retry of what it did: not noted twice (confirming.noted)
            g.replayed = any(k.lower() == "idempotent-replayed" and v == "true" for k, v in answer.headers)
        content = _json(received)
        if answer.status >= 400:
            problem = content if isinstance(content, dict) else {}
            errors = problem.get("errors")
            raise Refused(
                answer.status,
                str(problem.get("title", "")),
                str(problem.get("detail", "")),
                errors if isinstance(errors, dict) else {},
            )
        return content

    def get(self, service: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", service, path, params)

    def post(self, service: str, path: str, body: Any = None, idempotency_key: str | None = None) -> Any:
        return self.call("POST", service, path, body=body if body is not None else {}, idempotency_key=idempotency_key)

    def put(self, service: str, path: str, body: Any, idempotency_key: str | None = None) -> Any:
        return self.call("PUT", service, path, body=body, idempotency_key=idempotency_key)

    def upload(self, service: str, path: str, filename: str, content_type: str, data: bytes) -> Any:
        """POST one file as the multipart form field ``file`` (a document for a case)."""
        encoded, multipart = urllib3.encode_multipart_formdata({"file": (filename, data, content_type)})
        return self.call("POST", service, path, content=(encoded, multipart))


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def caller_token(service: str) -> str | None:
    """A token for ``service`` saying who is asking: the session's person, or None (anonymous)."""
    who = principal()
    if who is None or who.service is not None:
        return None
    gw = gateway()
    key = getattr(session, "key", None)
    if key is not None:
        return gw.minter.token_for(who, service, session_cache_key(key))
    expires_at = who.expires_at  # a bearer caller: the token must not outlive theirs
    return gw.minter.token_for(
        who, service, ("page", who.subject), not_after=None if expires_at is None else lambda: expires_at
    )


def api() -> Backends:
    """The app's one client (made on first use, in each of the server's workers)."""
    found = current_app.extensions.get("gateway.backends")
    if found is None:
        settings = gateway().settings
        found = current_app.extensions["gateway.backends"] = Backends(settings.services, settings.proxy_timeout_seconds)
    return found
