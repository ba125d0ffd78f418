"""Wires the proposals service: real adapters here, fakes in unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from meemaken_events import ConsumerLoop, EventFactory, Outbox
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop
from proposals.adapters import tables
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER, admissibility_handlers
from proposals.integration.outgoing import envelope_for
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

SERVICE_ROOT = Path(__file__).resolve().parents[2]
PROPOSAL_TOPIC = "meemaken.proposals.proposal"


def unit_of_work_factory(settings: Settings, engine: sa.Engine) -> Callable[[], ProposalsUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)
    return lambda: ProposalsUnitOfWork(engine, outbox, lambda event: envelope_for(factory, event))


def unit_of_work_within(settings: Settings) -> Callable[[sa.Connection], ProposalsUnitOfWork]:
    outbox, factory = Outbox(tables.outbox), EventFactory(settings.event_source)
    return lambda conn: ProposalsUnitOfWork.within(conn, outbox, lambda event: envelope_for(factory, event))


def create_app(settings: Settings, engine: sa.Engine) -> Flask:
    from proposals.entrypoints.api import blp

    return create_service_app(
        settings, "meemaken proposals", [blp], engine, {"uow": unit_of_work_factory(settings, engine)}
    )


def loops(settings: Settings, engine: sa.Engine) -> Sequence[Loop]:
    admissibility = ConsumerLoop(
        ADMISSIBILITY_CONSUMER,
        [PROPOSAL_TOPIC],
        admissibility_handlers(unit_of_work_within(settings)),
        engine,
        tables.inbox,
        settings.kafka_bootstrap_servers,
    )
    return [relay(settings, engine, tables.outbox, tables.relay_lease), admissibility]


SERVICE = ServiceDefinition("proposals", SERVICE_ROOT, create_app, loops)
