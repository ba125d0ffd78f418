"""Login, logout and the resident's account page (the machine endpoints are in ``identity/api.py``)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, redirect, request, session
from flask_babel import get_locale
from werkzeug.wrappers import Response as BaseResponse

from gateway.adapters.tables import people, verified_attributes
from gateway.casework.alert_store import remember_desk_roles
from gateway.context import gateway
from gateway.identity.attributes import Attribute, account_view
from gateway.identity.claims import NoSubject, identity_from_claims
from gateway.identity.oidc import LoginFailed, access_expiry
from gateway.identity.pseudonyms import display_reference, reference_code
from gateway.identity.sessions import ServerSession, SessionIdentity
from gateway.identity.tokens import session_cache_key
from gateway.portal.mypage import unread_messages
from gateway.web import csrf, install_page_answers, page, safe_next
from meemaken_kit.auth import principal, public

log = logging.getLogger("gateway.identity")

identity = Blueprint("identity", __name__)
install_page_answers(identity)


@identity.get("/login")
@public
def login() -> Response | BaseResponse:
    gw = gateway()
    with gw.limiter.limit(gw.settings.login_limits, "login"):
        if gw.provider is None:
            return page("message.html", 503, kind="no_provider")
        assert isinstance(session, ServerSession)
        if session.identity is not None and not request.args.get("ended"):
            return redirect(safe_next(request.args.get("next")))
        session["next"] = safe_next(request.args.get("next"))
        try:
            return gw.provider.start(f"{gw.settings.public_url}/auth/callback", str(get_locale()))
        except Exception as exc:
            log.warning("the identity provider is unavailable", extra={"error": type(exc).__name__})
            return page("message.html", 503, kind="provider_down")


@identity.get("/auth/callback")
@public
def callback() -> Response | BaseResponse:
    gw = gateway()
    with gw.limiter.limit(gw.settings.login_limits, "login"):
        assert isinstance(session, ServerSession)
        if gw.provider is None:
            return page("message.html", 503, kind="no_provider")
        target = safe_next(session.get("next"))
        try:
            token, claims = gw.provider.finish()
            provider_identity = identity_from_claims(claims, gw.mapping)
        except (LoginFailed, NoSubject) as exc:
            log.info("login failed: %s", exc)
            return page("message.html", 400, kind="login_failed")
        person_id = str(gw.pseudonyms.person_id(gw.provider.issuer, provider_identity.subject))
        with gw.limiter.limit(gw.settings.login_account_limits, "login-account", f"account:{person_id}"):
            desk = _remember(person_id)
            remember_desk_roles(gw.engine, person_id, provider_identity.roles, provider_identity.role_scopes)
            signed_in = SessionIdentity(
                person_id=person_id,
                roles=tuple(sorted(provider_identity.roles)),
                role_scopes=dict(provider_identity.role_scopes),
                provider_attrs=provider_identity.attributes(),
                desk_attrs=desk,
                access_expires_at=datetime.fromtimestamp(access_expiry(token), UTC),
            )
            session.log_in(signed_in, {"refresh_token": token.get("refresh_token"), "id_token": token.get("id_token")})
            log.info("logged in", extra={"person_id": person_id, "roles": ",".join(signed_in.roles)})
            return redirect(target)


def _remember(person_id: str) -> dict[str, str]:
    """The person is known by reference code from now on; what officials verified comes along."""
    gw, now = gateway(), datetime.now(UTC)
    with gw.engine.begin() as conn:
        seen = conn.execute(sa.update(people).where(people.c.person_id == person_id).values(last_login_at=now)).rowcount
        if not seen:
            conn.execute(
                sa.insert(people).values(
                    person_id=person_id,
                    reference=reference_code(uuid.UUID(person_id)),
                    first_login_at=now,
                    last_login_at=now,
                )
            )
        rows = conn.execute(
            sa.select(verified_attributes.c.attribute, verified_attributes.c.value).where(
                verified_attributes.c.person_id == person_id
            )
        )
        return {row.attribute: row.value for row in rows}


@identity.post("/logout")
@public
@csrf.exempt
def logout() -> BaseResponse:
    """Ends the session here and at the provider (RP-initiated logout)."""
    gw = gateway()
    assert isinstance(session, ServerSession)
    if session.identity is None:
        return redirect("/logged-out")
    csrf.protect()
    id_token = session.tokens().get("id_token")
    log.info("logged out", extra={"person_id": session.identity.person_id})
    gw.minter.forget(session_cache_key(session.key))
    gw.known_sessions.forget(session.sid)
    session.destroy()
    after = f"{gw.settings.public_url}/logged-out"
    url = gw.provider.logout_url(id_token, after, str(get_locale())) if gw.provider else None
    return redirect(url or "/logged-out")


@identity.get("/logged-out")
@public
def logged_out() -> Response:
    return page("logged_out.html")


@identity.get("/account")
def account() -> Response:
    """My page's first tab: the resident's pseudonymous reference code and verified attributes, with why one is
    missing, and how many messages wait unread in their inbox."""
    gw = gateway()
    who = principal()
    assert who is not None  # the kit refused anyone anonymous
    if who.person_id is None:
        return page("message.html", 403, kind="forbidden")
    signed_in = gw.session_identity()
    if signed_in is not None:
        attributes = account_view(
            signed_in.provider_attrs, signed_in.desk_attrs, gw.settings.municipality, date.today()
        )
    else:
        attributes = _from_token(who.attributes)
    return page(
        "account.html",
        reference=display_reference(reference_code(who.person_id)),
        roles=sorted(who.roles),
        role_scopes=who.role_scopes,
        attributes=attributes,
        unread=unread_messages(who.person_id),
        municipality=gw.settings.municipality,
        profile=gw.mapping.profile,
    )


def _from_token(attrs: Any) -> list[Attribute]:
    return [
        Attribute(name, attrs.get(name), "provider" if name in attrs else None)
        for name in ("age", "municipality", "resident", "district")
    ]
