"""Wires the panels service: real adapters here, an injected clock and key in tests."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from meemaken_events import ConsumerLoop, EventFactory, Outbox
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.credentials import ServiceCredentials
from meemaken_kit.secrets import production
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

SERVICE_ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = "meemaken-development-pseudonym-key"
Clock = Callable[[], datetime]
log = logging.getLogger("meemaken.panels")


def utc_now() -> datetime:
    return datetime.now(UTC)


class MissingSecret(RuntimeError):
    """The service must not start without the municipality's own pseudonymisation key."""


MIN_KEY_LENGTH = 16


def pseudonym_key(env: Mapping[str, str] | None = None) -> bytes:
    """The municipality's secret for pseudonyms, from configuration: ``PANELS_PSEUDONYM_KEY``, or the file
    ``PANELS_PSEUDONYM_KEY_FILE`` names (a mounted secret). Outside production a missing key falls back to the
    development key, with a warning. With ``MEEMAKEN_ENV=production`` the service refuses to start without a
    key of its own: the development key is in the source code, so pseudonyms made with it are reversible by
    anyone who hashes a register number or an id."""
    env = os.environ if env is None else env
    key, path = env.get("PANELS_PSEUDONYM_KEY", ""), env.get("PANELS_PSEUDONYM_KEY_FILE", "")
    if key and path:
        raise MissingSecret("set PANELS_PSEUDONYM_KEY or PANELS_PSEUDONYM_KEY_FILE, not both")
    if path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise MissingSecret(f"PANELS_PSEUDONYM_KEY_FILE {path} cannot be read ({error.strerror})") from None
    if production(env):
        if not key or key == DEVELOPMENT_KEY:
            raise MissingSecret(
                "MEEMAKEN_ENV=production: set PANELS_PSEUDONYM_KEY (or PANELS_PSEUDONYM_KEY_FILE) to the "
                "municipality's own secret; the development key would make every pseudonym reversible"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise MissingSecret(
                f"MEEMAKEN_ENV=production: PANELS_PSEUDONYM_KEY must be at least {MIN_KEY_LENGTH} characters"
            )
    if not key:
        log.warning("PANELS_PSEUDONYM_KEY is not set: pseudonyms use the development key, fit for trials only")
        key = DEVELOPMENT_KEY
    return key.encode()


def _configure(uow: PanelsUnitOfWork, clock: Clock, key: bytes) -> PanelsUnitOfWork:
    uow.clock, uow.pseudonym_key = clock, key
    return uow


def unit_of_work_factory(
    settings: Settings, engine: sa.Engine, clock: Clock = utc_now
) -> Callable[[], PanelsUnitOfWork]:
    outbox, factory, key = Outbox(tables.outbox), EventFactory(settings.event_source), pseudonym_key()
    return lambda: _configure(PanelsUnitOfWork(engine, outbox, lambda e: envelope_for(factory, e)), clock, key)


def unit_of_work_within(settings: Settings, clock: Clock = utc_now) -> Callable[[sa.Connection], PanelsUnitOfWork]:
    outbox, factory, key = Outbox(tables.outbox), EventFactory(settings.event_source), pseudonym_key()
    return lambda conn: _configure(
        PanelsUnitOfWork.within(conn, outbox, lambda e: envelope_for(factory, e)), clock, key
    )


def create_app(settings: Settings, engine: sa.Engine, clock: Clock = utc_now) -> Flask:
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


def loops(settings: Settings, engine: sa.Engine, clock: Clock = utc_now) -> Sequence[Loop]:
    within = unit_of_work_within(settings, clock)
    bootstrap = settings.kafka_bootstrap_servers
    eligibility = ConsumerLoop(
        ELIGIBILITY_CONSUMER, [RESPONDENT_TOPIC], eligibility_handlers(within), engine, tables.inbox, bootstrap
    )
    referrals = ConsumerLoop(
        REFERRALS_CONSUMER, [CHALLENGE_TOPIC], referral_handlers(within), engine, tables.inbox, bootstrap
    )
    factory = unit_of_work_factory(settings, engine, clock)
    directory = HttpDirectory(
        os.environ.get("NOTIFICATIONS_BASE_URL", "http://127.0.0.1:8104"), ServiceCredentials.configured("panels")
    )
    # the lottery a coordinator asked for, one panel at a time (minutes for a large pool)
    lotteries = Periodic(
        "lotteries",
        lambda: compute_lottery(factory()) is not None,
        float(os.environ.get("PANELS_LOTTERY_INTERVAL", "2")),
    )
    return [
        relay(settings, engine, tables.outbox, tables.relay_lease),
        eligibility,
        referrals,
        Periodic("schedule", lambda: run_schedule(factory), 30.0),  # late answers, the privacy schedule
        Periodic("contacts", lambda: share_contacts(factory, directory), 2.0),  # addresses for panel letters
        lotteries,
    ]


SERVICE = ServiceDefinition("panels", SERVICE_ROOT, create_app, loops, events=EVENT_TYPES, timers=TIMERS)
