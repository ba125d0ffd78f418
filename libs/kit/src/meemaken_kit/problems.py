"""RFC 9457 problem details: the one error format of every meemaken API."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
VALIDATION = "urn:meemaken:problem:invalid-request"


def problem(status: int, title: str, detail: str | None = None, type_: str = "about:blank", **extra: Any) -> Response:
    body = problem_document(status, title, detail, request.path, type_, **extra)
    return Response(body, status=status, mimetype=PROBLEM_JSON)


def problem_document(
    status: int, title: str, detail: str | None, instance: str, type_: str = "about:blank", **extra: Any
) -> bytes:
    """The problem's JSON, for code that answers outside a Flask request (the gateway's pass-through)."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = instance
    body.update(extra)
    return json.dumps(body).encode()


def pointer_token(key: object) -> str:
    """A member name as a JSON pointer's reference token (RFC 6901): ``~`` as ``~0``, ``/`` as ``~1``, so
    the pointer names exactly the field even when a client sends a key like ``a/b``."""
    return str(key).replace("~", "~0").replace("/", "~1")


def _flatten(messages: Any, path: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow messages ({"json": {"title": ["..."]}}) as JSON-pointer errors."""
    if isinstance(messages, dict):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            found += _flatten(value, f"{path}/{pointer_token(key)}")
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"pointer": path or "/", "detail": m} for m in messages]
    if isinstance(messages, list):
        return [e for i, m in enumerate(messages) for e in _flatten(m, f"{path}/{i}")]
    return [{"pointer": path or "/", "detail": str(messages)}]


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    title = error.name
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages:
        errors = []
        for location, fields in messages.items():
            for item in _flatten(fields):
                item["pointer"] = item["pointer"] if location in ("json", "form") else f"/{location}{item['pointer']}"
                errors.append(item)
        names = ", ".join(sorted({e["pointer"].strip("/") or "the request body" for e in errors}))
        return problem(status, "Invalid request", f"Check these fields: {names}.", VALIDATION, errors=errors)
    detail = data.get("message") or (error.description if isinstance(error.description, str) else None)
    return problem(status, title, detail)
