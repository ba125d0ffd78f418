"""What the gateway's views share, wired once by ``bootstrap.create_app``: ``gateway()`` in a request."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app, g, session

from gateway.identity.attributes import token_attributes
from gateway.identity.claims import ClaimMapping, identity_from_claims
from gateway.identity.oidc import LoginFailed, Provider, access_expiry
from gateway.identity.pseudonyms import Pseudonyms
from gateway.identity.sessions import ServerSession, SessionIdentity, SessionStore
from gateway.identity.tokens import ClientCredentialsGrant, TokenMinter
from gateway.proxy.known import KnownSessions
from gateway.ratelimits import RateLimits
from gateway.settings import GatewaySettings
from meemaken_events import EventFactory, Outbox
from meemaken_kit.auth import Principal
from meemaken_kit.tokens import TokenIssuer

log = logging.getLogger("gateway.identity")


@dataclass
class Gateway:
    settings: GatewaySettings
    engine: sa.Engine
    store: SessionStore
    issuer: TokenIssuer
    minter: TokenMinter
    grants: ClientCredentialsGrant
    pseudonyms: Pseudonyms
    mapping: ClaimMapping
    provider: Provider | None
    limiter: RateLimits
    outbox: Outbox
    events: EventFactory
    jwks: bytes
    known_sessions: KnownSessions

    def session_identity(self) -> SessionIdentity | None:
        found = session.identity if isinstance(session, ServerSession) else None
        return found

    def principal_of(self, identity: SessionIdentity, today: date | None = None) -> Principal:
        attrs = token_attributes(
            identity.provider_attrs, identity.desk_attrs, self.settings.municipality, today or date.today()
        )
        return Principal(identity.person_id, frozenset(identity.roles), attrs, dict(identity.role_scopes))

    def session_principal(self) -> Principal | None:
        """The kit asks this when a request has no bearer token: the login session, refreshed when due."""
        if not isinstance(session, ServerSession):
            return None
        if session.identity is None:
            if session.ended:
                g.session_ended = True
            return None
        expires = session.identity.access_expires_at
        if expires is not None and expires <= datetime.now(UTC) and not self.refresh(session):
            self.known_sessions.forget(session.sid)
            session.destroy()
            session.ended = g.session_ended = True
            return None
        return self.principal_of(session.identity)

    def refresh(self, current: ServerSession) -> bool:
        """New provider tokens for a session whose access token expired; False ends the session."""
        identity = current.identity
        assert identity is not None
        if not self.store.claim_refresh(current):
            return True  # another request of this session is refreshing right now
        tokens = current.tokens()
        refresh_token = tokens.get("refresh_token")
        if not refresh_token or self.provider is None:
            log.info("session ended: nothing to refresh it with", extra={"person_id": identity.person_id})
            return False
        try:
            fresh, claims = self.provider.refresh(refresh_token)
        except LoginFailed as exc:
            log.info("session ended: %s", exc, extra={"person_id": identity.person_id})
            return False
        expires_at = datetime.fromtimestamp(access_expiry(fresh), UTC)
        updated = replace(identity, access_expires_at=expires_at)
        if claims is not None:
            again = identity_from_claims(claims, self.mapping)
            if str(self.pseudonyms.person_id(self.provider.issuer, again.subject)) != identity.person_id:
                log.warning("session ended: the refreshed login names someone else")
                return False
            updated = replace(
                updated,
                roles=tuple(sorted(again.roles)),
                role_scopes=dict(again.role_scopes),
                provider_attrs=again.attributes(),
            )
        kept = {
            "refresh_token": fresh.get("refresh_token") or refresh_token,
            "id_token": fresh.get("id_token") or tokens.get("id_token"),
        }
        self.store.refreshed(current, updated, kept)
        return True


def gateway() -> Gateway:
    found: Gateway = current_app.extensions["gateway"]
    return found
