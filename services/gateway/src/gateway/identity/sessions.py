"""Server-side sessions: the cookie carries a random id and nothing else.

The row is found by the SHA-256 of the cookie's value, so the database alone gives no usable cookie.
A session ends after ``MEEMAKEN_SESSION_IDLE_MINUTES`` without a request (default 30) and, whatever
happens, 8 hours after it began. It holds the pseudonymous id, roles and verified attributes, and the
provider's refresh and ID tokens sealed (AES-GCM) with a key derived from the cookie's value: they are
needed to refresh and to log out at the provider, and may carry claims (a national number, names)
that must not be readable from the database.

Flask's ``session`` is this store (``ServerSessionInterface``): Flask-WTF's CSRF token and Authlib's
login state live in its small ``data`` part.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from gateway.adapters.tables import sessions

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def session_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(frozen=True)
class SessionIdentity:
    """Who is logged in, as the gateway keeps it: a pseudonymous id, roles, verified attributes."""

    person_id: str
    roles: tuple[str, ...]
    role_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provider_attrs: Mapping[str, str] = field(default_factory=dict)
    desk_attrs: Mapping[str, str] = field(default_factory=dict)
    access_expires_at: datetime | None = None
    sealed_tokens: str | None = None


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Flask's ``session``: a small dict of anonymous data, plus the identity once logged in."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        sid: str | None = None,
        identity: SessionIdentity | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        def changed(_: CallbackDict[str, Any]) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(data or {}, changed)
        self.sid = sid
        self.identity = identity
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.accessed = False
        self.ended = False  # it expired, or could not be refreshed, during this request
        self.rotated = False  # a login gave it a new id (no fixation)
        self.destroyed = False
        self.previous_key: str | None = None

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.sid is None

    @property
    def key(self) -> str | None:
        return session_key(self.sid) if self.sid else None

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def log_in(self, identity: SessionIdentity, tokens: Mapping[str, Any]) -> None:
        """A fresh id for the logged-in session; the anonymous one (and its data) is dropped on save."""
        self.previous_key = self.key
        self.sid = secrets.token_urlsafe(32)
        self.clear()
        self.identity = replace(identity, sealed_tokens=seal(self.sid, tokens))
        self.created_at = None
        self.rotated = True
        self.modified = True

    def tokens(self) -> dict[str, Any]:
        if not self.sid or not self.identity or not self.identity.sealed_tokens:
            return {}
        return unseal(self.sid, self.identity.sealed_tokens)

    def destroy(self) -> None:
        self.destroyed = True
        self.identity = None
        self.clear()


def _cipher(sid: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"meemaken-session-tokens-v1")
    return AESGCM(hkdf.derive(sid.encode()))


def seal(sid: str, tokens: Mapping[str, Any]) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(sid).encrypt(nonce, json.dumps(dict(tokens)).encode(), session_key(sid).encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sid: str, sealed: str) -> dict[str, Any]:
    raw = base64.urlsafe_b64decode(sealed)
    try:
        opened: dict[str, Any] = json.loads(_cipher(sid).decrypt(raw[:12], raw[12:], session_key(sid).encode()))
    except InvalidTag:
        return {}
    return opened


class SessionStore:
    """The ``sessions`` table: load with expiry, save, touch, and the identity's later changes."""

    def __init__(self, engine: sa.Engine, idle: timedelta, absolute: timedelta, clock: Clock = utc_now) -> None:
        self.engine, self.idle, self.absolute, self.clock = engine, idle, absolute, clock
        self.touch_every = min(timedelta(seconds=60), idle / 10)
        self._by_key = sa.select(sessions).where(sessions.c.id == sa.bindparam("key"))  # built once: every request

    def load(self, sid: str) -> ServerSession:
        """The session this cookie names; an unknown or expired one comes back empty and ``ended``."""
        key, now = session_key(sid), self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(self._by_key, {"key": key}).mappings().first()
        if row is None:
            found = ServerSession()
            found.ended = True
            return found
        if row["expires_at"] <= now or row["last_seen_at"] + self.idle <= now:
            self.delete(key)
            found = ServerSession()
            found.ended = True
            return found
        identity = None
        if row["person_id"]:
            identity = SessionIdentity(
                person_id=row["person_id"],
                roles=tuple(row["roles"] or ()),
                role_scopes={r: tuple(s) for r, s in (row["role_scopes"] or {}).items()},
                provider_attrs=row["provider_attrs"] or {},
                desk_attrs=row["desk_attrs"] or {},
                access_expires_at=row["access_expires_at"],
                sealed_tokens=row["sealed_tokens"],
            )
        return ServerSession(row["data"], sid, identity, row["created_at"], row["last_seen_at"])

    def save(self, session: ServerSession) -> None:
        now = self.clock()
        assert session.sid is not None
        key = session.key
        with self.engine.begin() as conn:
            if session.rotated and session.previous_key:
                conn.execute(sa.delete(sessions).where(sessions.c.id == session.previous_key))
            if session.created_at is None:
                conn.execute(
                    sa.insert(sessions).values(
                        id=key,
                        created_at=now,
                        last_seen_at=now,
                        expires_at=now + self.absolute,
                        data=dict(session),
                        **_identity_values(session.identity),
                    )
                )
                session.created_at = now
            else:
                conn.execute(
                    sa.update(sessions).where(sessions.c.id == key).values(data=dict(session), last_seen_at=now)
                )
        session.last_seen_at = now

    def touch_due(self, session: ServerSession) -> bool:
        return session.last_seen_at is not None and self.clock() - session.last_seen_at >= self.touch_every

    def touch(self, session: ServerSession) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(sa.update(sessions).where(sessions.c.id == session.key).values(last_seen_at=now))
        session.last_seen_at = now

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(sessions).where(sessions.c.id == key))

    def claim_refresh(self, session: ServerSession, hold: timedelta = timedelta(seconds=15)) -> bool:
        """One request refreshes a session's tokens at a time; the others go on with what they have."""
        now = self.clock()
        with self.engine.begin() as conn:
            claimed = conn.execute(
                sa.update(sessions)
                .where(sessions.c.id == session.key)
                .where(sa.or_(sessions.c.refreshing_until.is_(None), sessions.c.refreshing_until < now))
                .values(refreshing_until=now + hold)
            )
        return claimed.rowcount == 1

    def refreshed(self, session: ServerSession, identity: SessionIdentity, tokens: Mapping[str, Any]) -> None:
        assert session.sid is not None
        identity = replace(identity, sealed_tokens=seal(session.sid, tokens))
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(sessions)
                .where(sessions.c.id == session.key)
                .values(refreshing_until=None, **_identity_values(identity))
            )
        session.identity = identity

    def purge_expired(self) -> int:
        """Rows of sessions that ended (the worker's ``sessions`` loop)."""
        now = self.clock()
        with self.engine.begin() as conn:
            gone = conn.execute(
                sa.delete(sessions).where(
                    sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - self.idle)
                )
            )
        return int(gone.rowcount or 0)


def _identity_values(identity: SessionIdentity | None) -> dict[str, Any]:
    if identity is None:
        return {}
    return {
        "person_id": identity.person_id,
        "roles": list(identity.roles),
        "role_scopes": {r: list(s) for r, s in identity.role_scopes.items()},
        "provider_attrs": dict(identity.provider_attrs),
        "desk_attrs": dict(identity.desk_attrs),
        "access_expires_at": identity.access_expires_at,
        "sealed_tokens": identity.sealed_tokens,
    }


def set_desk_attributes(conn: sa.Connection, person_id: str, attrs: Mapping[str, str]) -> None:
    """An official verified something: the person's live sessions carry it from their next request."""
    conn.execute(sa.update(sessions).where(sessions.c.person_id == person_id).values(desk_attrs=dict(attrs)))


class ServerSessionInterface(SessionInterface):
    """Flask's session, kept in the gateway's database; the cookie holds only the random id."""

    def __init__(self, store: SessionStore, secure: bool) -> None:
        self.store = store
        self.secure = secure
        self.cookie_name = "__Host-meemaken" if secure else "meemaken"

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.cookie_name)
        if not sid or len(sid) > 100:
            return ServerSession()
        return self.store.load(sid)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.destroyed:
            if session.key:
                self.store.delete(session.key)
            self._forget(response)
            return
        if session.sid is None:
            if not session.modified or not dict(session):
                if session.ended:
                    self._forget(response)
                return
            session.sid = secrets.token_urlsafe(32)
        if session.modified or session.created_at is None:
            self.store.save(session)
            self._remember(response, session.sid)
        elif self.store.touch_due(session):
            self.store.touch(session)

    def _remember(self, response: Response, sid: str) -> None:
        response.set_cookie(self.cookie_name, sid, path="/", secure=self.secure, httponly=True, samesite="Lax")
        response.vary.add("Cookie")

    def _forget(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path="/", secure=self.secure, httponly=True, samesite="Lax")
