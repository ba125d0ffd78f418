"""Wires the gateway: the citizens' portal (server-rendered, nl/fr/en) in front of the service APIs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from gateway.adapters import tables
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def create_app(settings: Settings, engine: sa.Engine) -> Flask:
    from gateway.entrypoints.portal import portal

    return create_service_app(
        settings, "meemaken gateway", [], engine, configure=lambda app: app.register_blueprint(portal)
    )


def loops(settings: Settings, engine: sa.Engine) -> Sequence[Loop]:
    return [relay(settings, engine, tables.outbox, tables.relay_lease)]


SERVICE = ServiceDefinition("gateway", SERVICE_ROOT, create_app, loops)
