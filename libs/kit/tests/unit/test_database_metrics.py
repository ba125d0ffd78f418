"""The figures the worker reads from its database when scraped: outbox backlog, relay lag, timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from meemaken_events import messaging_tables
from meemaken_kit import make_engine
from meemaken_kit.metrics import STATE_METRICS, DatabaseState, Timer

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def database(tmp_path):
    metadata = sa.MetaData()
    outbox, _inbox, _lease = messaging_tables(metadata)
    deadlines = sa.Table(
        "deadlines",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("late", sa.Boolean),
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    metadata.create_all(engine)
    return engine, outbox, deadlines


def row(n, created, published=None):
    return {
        "event_id": f"e{n}",
        "topic": "t",
        "key": "k",
        "type": "x",
        "envelope": "{}",
        "created_at": created,
        "published_at": published,
    }


def timer(deadlines):
    def due(now):
        return sa.select(sa.func.count()).where(deadlines.c.due_at <= now, deadlines.c.late.is_(False))

    def breached(_now):
        return sa.select(sa.func.count()).where(deadlines.c.late.is_(True))

    return Timer("answer", due, breached)


def scraped(state):
    registry = CollectorRegistry()
    registry.register(state)
    return registry


def test_the_backlog_counts_unpublished_rows_and_the_lag_is_the_oldest_ones_age(tmp_path):
    engine, outbox, deadlines = database(tmp_path)
    with engine.begin() as conn:
        conn.execute(outbox.insert(), [row(1, NOW - timedelta(hours=1), NOW), row(2, NOW - timedelta(seconds=90))])
        conn.execute(outbox.insert(), [row(3, NOW - timedelta(seconds=5))])
        conn.execute(deadlines.insert(), [{"due_at": NOW - timedelta(days=1), "late": False}])
        conn.execute(deadlines.insert(), [{"due_at": NOW + timedelta(days=1), "late": False}])
        conn.execute(deadlines.insert(), [{"due_at": NOW - timedelta(days=9), "late": True}] * 2)
    state = DatabaseState("proposals", engine, outbox, [timer(deadlines)], clock=lambda: NOW)
    registry = scraped(state)
    assert registry.get_sample_value("meemaken_outbox_backlog", {}) == 2
    assert registry.get_sample_value("meemaken_relay_lag_seconds", {}) == 90
    labels = {"timer": "answer"}
    assert registry.get_sample_value("meemaken_timers_due", labels) == 1
    assert registry.get_sample_value("meemaken_deadlines_breached", labels) == 2


def test_no_waiting_row_means_no_lag_and_the_database_is_read_at_most_once_per_interval(tmp_path):
    engine, outbox, _deadlines = database(tmp_path)
    registry = scraped(DatabaseState("panels", engine, outbox, min_interval=60, clock=lambda: NOW))
    assert registry.get_sample_value("meemaken_relay_lag_seconds", {}) == 0
    with engine.begin() as conn:
        conn.execute(outbox.insert(), [row(1, NOW - timedelta(seconds=30))])
    assert registry.get_sample_value("meemaken_outbox_backlog", {}) == 0  # the last reading
    fresh = scraped(DatabaseState("panels", engine, outbox, min_interval=0, clock=lambda: NOW))
    assert fresh.get_sample_value("meemaken_outbox_backlog", {}) == 1


def test_a_database_that_is_away_gives_no_figures_and_no_error(tmp_path):
    _engine, outbox, _deadlines = database(tmp_path)
    gone = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite'}")
    registry = scraped(DatabaseState("panels", gone, outbox, clock=lambda: NOW))
    assert registry.get_sample_value("meemaken_outbox_backlog", {}) is None


def test_it_declares_the_metrics_it_gives():
    engine = make_engine("sqlite://")
    assert {family.name for family in DatabaseState("x", engine, None).describe()} == set(STATE_METRICS)
