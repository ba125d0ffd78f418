"""Wires the panels service: real adapters here, an injected clock and key in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from meemaken_events import ConsumerLoop, EventFactory, Outbox
from meemaken_kit import ServiceDefinition, create_service_app
from meemaken_kit.credentials import ServiceCredentials
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop, Periodic
from panels.adapters import tables
from panels.adapters.directory import HttpDirectory
from panels.adapters.timers import TIMERS
from panels.integration.incoming import (
    CHALLENGE_TOPIC,
    ELIGIBILITY_CONSUMER,
    REFERRALS_CONSUMER,
    eligibility_handlers,
    referral_handlers,
)
from panels.integration.outgoing import EVENT_TYPES, RESPONDENT_TOPIC, envelope_for
from panels.service_layer.handlers import compute_lottery, run_schedule, share_contacts
from panels.service_layer.unit_of_work import PanelsUnitOfWork
from panels.settings import PanelsSettings

SERVICE_ROOT = Path(__file__).resolve().parents[2]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _configure(uow: PanelsUnitOfWork, clock: Clock, key: bytes) -> PanelsUnitOfWork:
    uow.clock, uow.pseudonym_key = clock, key
    return uow


def unit_of_work_factory(
    settings: PanelsSettings, engine: sa.Engine, clock: Clock = utc_now
) -> Callable[[], PanelsUnitOfWork]:
    outbox, factory, key = Outbox(tables.outbox), EventFactory(settings.event_source), settings.pseudonym_key_bytes()
    return lambda: _configure(PanelsUnitOfWork(engine, outbox, lambda e: envelope_for(factory, e)), clock, key)


def unit_of_work_within(
    settings: PanelsSettings, clock: Clock = utc_now
) -> Callable[[sa.Connection], PanelsUnitOfWork]:
    outbox, factory, key = Outbox(tables.outbox), EventFactory(settings.event_source), settings.pseudonym_key_bytes()
    return lambda conn: _configure(
        PanelsUnitOfWork.within(conn, outbox, lambda e: envelope_for(factory, e)), clock, key
    )


def create_app(settings: PanelsSettings, engine: sa.Engine, clock: Clock = utc_now) -> Flask:
    from panels.entrypoints.api import ERRORS, blueprints

    return create_service_app(
        settings,
        "meemaken citizen panels",
        blueprints,
        engine,
        {"uow": unit_of_work_factory(settings, engine, clock)},
        errors=ERRORS,
        idempotency=True,
    )


def loops(settings: PanelsSettings, engine: sa.Engine, clock: Clock = utc_now) -> Sequence[Loop]:
    within = unit_of_work_within(settings, clock)
    eligibility = ConsumerLoop(
        ELIGIBILITY_CONSUMER, [RESPONDENT_TOPIC], eligibility_handlers(within), engine, tables.inbox, settings
    )
    referrals = ConsumerLoop(
        REFERRALS_CONSUMER, [CHALLENGE_TOPIC], referral_handlers(within), engine, tables.inbox, settings
    )
    factory = unit_of_work_factory(settings, engine, clock)
    directory = HttpDirectory(settings.notifications_base_url, ServiceCredentials.configured(settings))
    # the lottery a coordinator asked for, one panel at a time (minutes for a large pool)
    lotteries = Periodic(
        "lotteries",
        lambda: compute_lottery(factory()) is not None,
        settings.lottery_interval,
    )
    return [
        relay(settings, engine, tables.outbox, tables.relay_lease),
        eligibility,
        referrals,
        Periodic("schedule", lambda: run_schedule(factory), 30.0),  # late answers, the privacy schedule
        Periodic("contacts", lambda: share_contacts(factory, directory), 2.0),  # addresses for panel letters
        lotteries,
    ]


SERVICE = ServiceDefinition[PanelsSettings](
    "panels", SERVICE_ROOT, create_app, loops, events=EVENT_TYPES, timers=TIMERS
)
