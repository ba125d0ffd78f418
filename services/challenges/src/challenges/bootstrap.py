"""Wires the challenges service: real adapters here, an injected clock in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from challenges.adapters import tables
from challenges.adapters.timers import TIMERS
from challenges.integration.incoming import GATES_CONSUMER, gate_checks, gate_handlers
from challenges.integration.outgoing import EVENT_TYPES, TOPIC, envelope_for
from challenges.service_layer.handlers import fire_due_timers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from challenges.settings import ChallengesSettings
from meemaken_events import ConsumerLoop, EventFactory, Outbox
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop, Periodic

SERVICE_ROOT = Path(__file__).resolve().parents[2]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def unit_of_work_factory(
    settings: Settings, engine: sa.Engine, clock: Clock = utc_now
) -> Callable[[], ChallengesUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)

    def make() -> ChallengesUnitOfWork:
        uow = ChallengesUnitOfWork(engine, outbox, lambda event: envelope_for(factory, event))
        uow.clock = clock
        return uow

    return make


def unit_of_work_within(settings: Settings, clock: Clock = utc_now) -> Callable[[sa.Connection], ChallengesUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)

    def make(connection: sa.Connection) -> ChallengesUnitOfWork:
        uow = ChallengesUnitOfWork.within(connection, outbox, lambda event: envelope_for(factory, event))
        uow.clock = clock
        return uow

    return make


def create_app(settings: ChallengesSettings, engine: sa.Engine, clock: Clock = utc_now) -> Flask:
    from challenges.entrypoints.api import ERRORS, blueprints, document_problems

    return create_service_app(
        settings,
        "meemaken Right to Challenge",
        blueprints,
        engine,
        {"uow": unit_of_work_factory(settings, engine, clock), "clock": clock},
        configure=document_problems,
        errors=ERRORS,
        idempotency=True,
    )


def gate_consumer(settings: Settings, engine: sa.Engine, clock: Clock = utc_now, **options: Any) -> ConsumerLoop:
    """The consumer of `submitted` that runs the automatic gates, a polled batch's challenges together."""
    checks = gate_checks(unit_of_work_within(settings, clock))
    return ConsumerLoop(
        GATES_CONSUMER,
        [TOPIC],
        gate_handlers(checks),
        engine,
        tables.inbox,
        settings,
        batch_scope=checks.scope,
        **options,
    )


def loops(settings: ChallengesSettings, engine: sa.Engine, clock: Clock = utc_now) -> Sequence[Loop]:
    gates = gate_consumer(settings, engine, clock)
    factory = unit_of_work_factory(settings, engine, clock)
    timers = Periodic("timers", lambda: fire_due_timers(factory, clock()), interval=1.0)
    return [relay(settings, engine, tables.outbox, tables.relay_lease), gates, timers]


SERVICE = ServiceDefinition[ChallengesSettings](
    "challenges", SERVICE_ROOT, create_app, loops, timers=TIMERS, events=EVENT_TYPES
)
