"""Wires the proposals service: real adapters here, fakes in unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from meemaken_events import ConsumerLoop, EventFactory, Outbox
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop, Periodic
from proposals.adapters import tables
from proposals.adapters.timers import TIMERS
from proposals.integration.incoming import (
    ADMISSIBILITY_CONSUMER,
    TALLY_CONSUMER,
    admissibility_checks,
    admissibility_handlers,
    tally_handlers,
)
from proposals.integration.outgoing import EVENT_TYPES, envelope_for
from proposals.service_layer.handlers import check_answer_deadlines
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork, utc_now
from proposals.settings import ProposalsSettings

SERVICE_ROOT = Path(__file__).resolve().parents[2]
PROPOSAL_TOPIC = "meemaken.proposals.proposal"
ROUND_TOPIC = "meemaken.proposals.round"
Clock = Callable[[], datetime]


def _clocked(uow: ProposalsUnitOfWork, clock: Clock) -> ProposalsUnitOfWork:
    uow.clock = clock
    return uow


def unit_of_work_factory(
    settings: Settings, engine: sa.Engine, clock: Clock = utc_now
) -> Callable[[], ProposalsUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)
    return lambda: _clocked(ProposalsUnitOfWork(engine, outbox, lambda event: envelope_for(factory, event)), clock)


def unit_of_work_within(settings: Settings, clock: Clock = utc_now) -> Callable[[sa.Connection], ProposalsUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)
    return lambda conn: _clocked(
        ProposalsUnitOfWork.within(conn, outbox, lambda event: envelope_for(factory, event)), clock
    )


def create_app(settings: Settings, engine: sa.Engine, clock: Clock = utc_now) -> Flask:
    from proposals.entrypoints.api import ERRORS, blueprints
    from proposals.entrypoints.authoring import authors

    return create_service_app(
        settings,
        "meemaken proposals",
        [*blueprints, authors],
        engine,
        {"uow": unit_of_work_factory(settings, engine, clock)},
        errors=ERRORS,
        idempotency=True,
    )


def admissibility_consumer(
    settings: Settings, engine: sa.Engine, clock: Clock = utc_now, consumer_options: dict[str, Any] | None = None
) -> ConsumerLoop:
    """The consumer that admits or rejects submitted proposals, a polled batch's together."""
    within = unit_of_work_within(settings, clock)
    checks = admissibility_checks(within)
    return ConsumerLoop(
        ADMISSIBILITY_CONSUMER,
        [PROPOSAL_TOPIC],
        admissibility_handlers(checks),
        engine,
        tables.inbox,
        settings,
        consumer_options=consumer_options,
        batch_scope=checks.scope,
    )


def loops(settings: ProposalsSettings, engine: sa.Engine, clock: Clock = utc_now) -> Sequence[Loop]:
    within = unit_of_work_within(settings, clock)
    admissibility = admissibility_consumer(settings, engine, clock)
    tally = ConsumerLoop(TALLY_CONSUMER, [ROUND_TOPIC], tally_handlers(within), engine, tables.inbox, settings)
    factory = unit_of_work_factory(settings, engine, clock)
    # answer terms that passed
    schedule = Periodic("schedule", lambda: check_answer_deadlines(factory), settings.schedule_interval)
    return [relay(settings, engine, tables.outbox, tables.relay_lease), admissibility, tally, schedule]


SERVICE = ServiceDefinition[ProposalsSettings](
    "proposals", SERVICE_ROOT, create_app, loops, timers=TIMERS, events=EVENT_TYPES
)
