"""Wires the panels service (a skeleton for now: health, metrics, OpenAPI and its relay)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop
from panels.adapters import tables

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def create_app(settings: Settings, engine: sa.Engine) -> Flask:
    return create_service_app(settings, "meemaken citizen panels", [], engine)


def loops(settings: Settings, engine: sa.Engine) -> Sequence[Loop]:
    return [relay(settings, engine, tables.outbox, tables.relay_lease)]


SERVICE = ServiceDefinition("panels", SERVICE_ROOT, create_app, loops)
