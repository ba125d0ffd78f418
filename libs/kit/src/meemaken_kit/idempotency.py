"""``Idempotency-Key`` on every state-changing request: a retry gets the first answer, not a 409.

A client that timed out does not know whether its decision, ballot or submission went through. It
sends the same request again with the same ``Idempotency-Key`` header (any 1-200 printable
characters, e.g. a UUID), and:

- the first answer (any status below 500) is stored, per caller, method, path and key, for 24 hours,
  and a retry gets it again with ``Idempotent-Replayed: true``; nothing is done twice;
- the same key with a different body is a 422 (a key names one request);
- a retry while the first is still being handled is a 409 with ``Retry-After``;
- a 5xx or a crash forgets the key, so the retry is handled afresh;
- expired keys are deleted every ``PRUNE_EVERY`` keyed requests of a process.

Without the header nothing changes. The table is created by each service's migration
(``create_idempotency_table``); services turn this on with ``create_service_app(idempotency=True)``.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apispec import BasePlugin
from flask import Flask, Response, current_app, g, request

from meemaken_events import UtcDateTime
from meemaken_kit.auth import principal
from meemaken_kit.problems import problem

log = logging.getLogger("meemaken.idempotency")

HEADER = "Idempotency-Key"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEEP = timedelta(hours=24)
IN_PROGRESS_FOR = timedelta(seconds=60)  # after this, a first request that never finished is taken over
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),  # None while the first request is being handled
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    ]


keys = sa.Table("idempotency_keys", sa.MetaData(), *_columns())


def create_idempotency_table(op: Any) -> None:
    """For a service's migration."""
    op.create_table("idempotency_keys", *_columns())


def _engine() -> sa.Engine:
    engine: sa.Engine = current_app.extensions["meemaken"]["engine"]
    return engine


def _first_or_replay() -> Response | None:
    if request.method not in STATE_CHANGING or HEADER not in request.headers:
        return None
    key = request.headers[HEADER]
    if not _KEY.match(key):
        return problem(400, "Bad Request", f"{HEADER} is 1 to 200 printable characters without spaces.")
    who = principal()
    caller = who.subject if who else "anonymous"
    key_hash = hashlib.sha256(f"{caller}\n{request.method} {request.path}\n{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    now = datetime.now(UTC)
    with _engine().begin() as conn:
        row = conn.execute(sa.select(keys).where(keys.c.key_hash == key_hash)).mappings().first()
        if row is not None and (row["created_at"] <= now - KEEP or _abandoned(row, now)):
            conn.execute(keys.delete().where(keys.c.key_hash == key_hash))
            row = None
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(keys.insert().values(key_hash=key_hash, fingerprint=fingerprint, created_at=now))
            except sa.exc.IntegrityError:  # another request with this key got there first
                return _in_progress()
            g.idempotency_key = key_hash
            return None
    if row["fingerprint"] != fingerprint:
        return problem(422, "Unprocessable Entity", f"This {HEADER} was used for another request; use a new key.")
    if row["status"] is None:
        return _in_progress()
    replay = Response(row["body"] or b"", status=row["status"], headers=row["headers"] or {})
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


def _in_progress() -> Response:
    response = problem(409, "Conflict", f"The first request with this {HEADER} is still being handled; retry soon.")
    response.headers["Retry-After"] = "1"
    return response


def _abandoned(row: Any, now: datetime) -> bool:
    return row["status"] is None and row["created_at"] <= now - IN_PROGRESS_FOR


PRUNE_EVERY = 500  # keyed requests per process between two deletions of expired keys
_since_prune = itertools.count(1)


def _remember(response: Response) -> Response:
    key_hash = g.pop("idempotency_key", None)
    if key_hash is None:
        return response
    with _engine().begin() as conn:
        if next(_since_prune) % PRUNE_EVERY == 0:
            conn.execute(keys.delete().where(keys.c.created_at <= datetime.now(UTC) - KEEP))
        if response.status_code >= 500 or response.is_streamed:
            conn.execute(keys.delete().where(keys.c.key_hash == key_hash))
        else:
            kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
            conn.execute(
                keys.update()
                .where(keys.c.key_hash == key_hash)
                .values(status=response.status_code, headers=kept, body=response.get_data())
            )
    return response


def _forget_on_error(error: BaseException | None) -> None:
    key_hash = g.pop("idempotency_key", None)
    if key_hash is not None and error is not None:
        try:
            with _engine().begin() as conn:
                conn.execute(keys.delete().where(keys.c.key_hash == key_hash))
        except sa.exc.SQLAlchemyError:
            log.warning("an idempotency key could not be forgotten after a failure; it expires in a minute")


class IdempotencyKeyDocs(BasePlugin):  # type: ignore[misc]
    """The OpenAPI document names the header on every state-changing operation."""

    def init_spec(self, spec: Any) -> None:
        self.spec = spec
        spec.components.parameter(
            "IdempotencyKey",
            "header",
            {
                "name": HEADER,
                "required": False,
                "schema": {
                    "type": "string",
                    "pattern": _KEY.pattern,
                    "example": "5f0c6a1e-2f7b-4c2e-9d0a-1b2c3d4e5f60",
                },
                "description": "Send the same key again with the same request after a time-out: you get the first "
                "answer (Idempotent-Replayed: true) and nothing is done twice. Kept 24 hours.",
            },
        )

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any) -> None:
        for method, operation in (operations or {}).items():
            if method.upper() in STATE_CHANGING:
                operation.setdefault("parameters", []).append("IdempotencyKey")  # a component, by name


def install_idempotency(app: Flask) -> None:
    app.before_request(_first_or_replay)
    app.after_request(_remember)
    app.teardown_request(_forget_on_error)
