"""Wires the notifications service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from meemaken_events import ConsumerLoop
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop
from notifications.adapters import tables
from notifications.integration.incoming import HANDLERS, INAPP_CONSUMER, PROPOSAL_TOPIC

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def create_app(settings: Settings, engine: sa.Engine) -> Flask:
    from notifications.entrypoints.api import blp

    return create_service_app(settings, "meemaken notifications", [blp], engine)


def loops(settings: Settings, engine: sa.Engine) -> Sequence[Loop]:
    inapp = ConsumerLoop(
        INAPP_CONSUMER, [PROPOSAL_TOPIC], HANDLERS, engine, tables.inbox, settings.kafka_bootstrap_servers
    )
    return [relay(settings, engine, tables.outbox, tables.relay_lease), inapp]


SERVICE = ServiceDefinition("notifications", SERVICE_ROOT, create_app, loops)
