"""Wires the gateway: login and sessions, the tokens the services trust, the API pass-through, and the
portal's pages (server-rendered, nl/fr/en)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from gateway.adapters import tables
from gateway.casework import alert_events
from gateway.casework.alert_store import CrossingWatch
from gateway.casework.consumer import consumers
from gateway.casework.retention import forget_closed_cases
from gateway.context import Gateway
from gateway.identity.claims import ClaimMapping
from gateway.identity.oidc import Provider
from gateway.identity.pseudonyms import Pseudonyms
from gateway.identity.sessions import ServerSessionInterface, SessionStore
from gateway.identity.tokens import ClientCredentialsGrant, TokenMinter
from gateway.identity.verification import EVENT_TYPES
from gateway.proxy.known import KnownSessions
from gateway.settings import GatewaySettings
from meemaken_events import EventFactory, Outbox
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.tokens import KeySet, TokenIssuer, TokenVerifier
from meemaken_kit.worker import Loop, Periodic

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def session_store(gateway: GatewaySettings, engine: sa.Engine) -> SessionStore:
    return SessionStore(
        engine, timedelta(minutes=gateway.session_idle_minutes), timedelta(hours=gateway.session_absolute_hours)
    )


def create_app(settings: Settings, engine: sa.Engine, gateway: GatewaySettings | None = None) -> Flask:
    """``settings`` are the gateway's own (GatewaySettings) unless a test gives them as ``gateway``."""
    from gateway import web
    from gateway.casework.alerts import alerts
    from gateway.casework.budget_actions import budget_actions
    from gateway.casework.case_pages import cases
    from gateway.casework.challenge_actions import challenge_actions
    from gateway.casework.mentoring import mentoring
    from gateway.casework.pages import casework
    from gateway.casework.panel_actions import panel_actions
    from gateway.casework.proposal_actions import proposal_actions
    from gateway.entrypoints.portal import portal
    from gateway.identity.api import keys
    from gateway.identity.desk import desk
    from gateway.identity.views import identity
    from gateway.proxy.forward import proxy
    from gateway.proxy.lane import FastLane
    from gateway.reports.pages import reports

    gateway = gateway or _own(settings)
    issuer = TokenIssuer.configured(gateway)
    # The gateway checks bearer tokens for itself (aud=gateway) against its own keys, not over HTTP.
    verifier = TokenVerifier(
        "gateway", issuer.issuer, KeySet.static(issuer.keys.jwks()), refuse_development_keys=gateway.production
    )
    holder: dict[str, Gateway] = {}

    def configure(app: Flask) -> None:
        limiter = web.install(app, gateway)
        app.extensions["meemaken"]["api"].spec.components.security_scheme(
            "clientSecret", {"type": "http", "scheme": "basic", "description": "A service's name and secret."}
        )
        store = session_store(gateway, engine)
        app.session_interface = interface = ServerSessionInterface(store, secure=gateway.secure_cookies)
        holder["gw"] = app.extensions["gateway"] = Gateway(
            settings=gateway,
            engine=engine,
            store=store,
            issuer=issuer,
            minter=TokenMinter(issuer),
            grants=ClientCredentialsGrant(issuer, gateway.client_secret),
            pseudonyms=Pseudonyms(gateway.pseudonym_key, gateway.municipality),
            mapping=ClaimMapping.of(
                gateway.oidc.profile,
                gateway.oidc.claim_overrides,
                gateway.oidc.default_roles,
                gateway.oidc.role_organisation,
            ),
            provider=Provider(app, gateway.oidc) if gateway.oidc.issuer else None,
            limiter=limiter,
            outbox=Outbox(tables.outbox),
            events=EventFactory(settings.event_source),
            jwks=json.dumps(issuer.keys.jwks()).encode(),
            known_sessions=KnownSessions(gateway.session_cache_seconds),
        )
        for blueprint in (
            portal,
            identity,
            desk,
            casework,
            cases,
            proposal_actions,
            budget_actions,
            challenge_actions,
            panel_actions,
            alerts,
            mentoring,
            reports,
            proxy,
        ):
            app.register_blueprint(blueprint)
        app.wsgi_app = FastLane(  # type: ignore[method-assign]
            app.wsgi_app,
            holder["gw"],
            interface.cookie_name,
            web.security_headers(gateway),
            settings.max_content_length,
        )
        web.behind_proxies(app, gateway)

    return create_service_app(
        settings,
        "meemaken gateway",
        [keys],
        engine,
        configure=configure,
        verifier=verifier,
        session_principal=lambda: holder["gw"].session_principal(),
        public_edge=True,  # the public door: a caller's traceparent is not followed
        retry_transactions=False,  # its pages call the services: a re-run would send their requests twice
    )


def _own(settings: Settings) -> GatewaySettings:
    if not isinstance(settings, GatewaySettings):
        raise TypeError("the gateway needs its GatewaySettings (Settings.from_env('gateway') gives them)")
    return settings


def loops(settings: Settings, engine: sa.Engine) -> Sequence[Loop]:
    own = _own(settings)
    store = session_store(own, engine)
    interval = own.session_purge_interval
    purge = Periodic("sessions", store.purge_expired, interval)  # ended sessions' rows
    kept = own.casework_retention
    forget = Periodic("case retention", lambda: forget_closed_cases(engine, kept), interval)  # closed cases
    outbox, events = Outbox(tables.outbox), EventFactory(settings.event_source)
    alerts = Periodic(  # each deadline crossing of the queue's items, announced once
        "deadline alerts",
        CrossingWatch(engine, outbox, events),
        own.deadline_alert_interval,
    )
    return [
        relay(settings, engine, tables.outbox, tables.relay_lease),
        purge,
        *consumers(settings, engine),
        forget,
        alerts,
    ]


SERVICE = ServiceDefinition(
    "gateway", SERVICE_ROOT, create_app, loops, port=8100, events=EVENT_TYPES + alert_events.EVENT_TYPES
)
