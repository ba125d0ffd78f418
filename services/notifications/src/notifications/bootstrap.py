"""Wires the notifications service: real adapters here; tests pass a clock, a catalogue, fakes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from meemaken_events import Catalogue, ConsumerLoop
from meemaken_kit import ServiceDefinition, Settings, create_service_app
from meemaken_kit.credentials import ServiceCredentials
from meemaken_kit.service import relay
from meemaken_kit.worker import Loop
from notifications.adapters import tables
from notifications.adapters.config import NotificationSettings
from notifications.adapters.smtp import SmtpMailer
from notifications.adapters.voters import HttpVoters
from notifications.domain.delivery import RetryPolicy
from notifications.entrypoints.loops import FanOutLoop, ScheduleLoop, SenderLoop
from notifications.integration.incoming import PLANS, subscriptions
from notifications.service_layer.ports import Clock, Mailer, RemoteRecipients
from notifications.service_layer.sending import Sender
from notifications.settings import NotificationsSettings

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: NotificationsSettings, engine: sa.Engine, clock: Clock = utc_now) -> Flask:
    from notifications.entrypoints.api import blueprints

    own = settings.delivery()
    return create_service_app(
        settings,
        "meemaken notifications",
        blueprints,
        engine,
        {"clock": clock, "notifications": own},
        idempotency=True,
    )


def sender(engine: sa.Engine, own: NotificationSettings, clock: Clock = utc_now) -> Sender:
    policy = RetryPolicy(first_wait=own.first_retry, max_attempts=own.max_attempts)
    return Sender(engine, clock, policy, own.smtp.sender, ZoneInfo(own.digest_timezone))


def consumers(
    settings: Settings,
    engine: sa.Engine,
    clock: Clock = utc_now,
    events: Catalogue | None = None,
    group_prefix: str = "",
) -> list[ConsumerLoop]:
    """One consumer per producing service; `group_prefix` gives a test its own consumer groups."""
    return [
        ConsumerLoop(
            name,
            topics,
            handlers,
            engine,
            tables.inbox,
            settings,
            consumer_options={"group_id": group_prefix + name} if group_prefix else None,
            events=events,
            batch_scope=PLANS.scope,
        )
        for name, (topics, handlers) in subscriptions(events, clock).items()
    ]


def loops(
    settings: NotificationsSettings,
    engine: sa.Engine,
    clock: Clock = utc_now,
    events: Catalogue | None = None,
    own: NotificationSettings | None = None,
    mailers: Callable[[], Mailer] | None = None,
    recipients: RemoteRecipients | None = None,
) -> Sequence[Loop]:
    own = own or settings.delivery()
    smtp = own.smtp
    return [
        relay(settings, engine, tables.outbox, tables.relay_lease),
        *consumers(settings, engine, clock, events),
        FanOutLoop(
            engine, recipients or HttpVoters(own.proposals_base_url, ServiceCredentials.configured(settings)), clock
        ),
        SenderLoop(
            sender(engine, own, clock),
            mailers or (lambda: SmtpMailer(smtp)),
            smtp.connections if engine.dialect.name == "postgresql" else 1,
        ),
        ScheduleLoop(engine, clock, ZoneInfo(own.digest_timezone), own.retention),
    ]


SERVICE = ServiceDefinition[NotificationsSettings]("notifications", SERVICE_ROOT, create_app, loops)
