"""What a service's database says about its health, read by the worker when Prometheus scrapes it.

The request and messaging counters are counted as things happen (``meemaken_kit.app``,
``meemaken_events.metrics``). Some figures are a state instead, read with a few counting queries:

- ``meemaken_outbox_backlog``: outbox rows not yet published; ``meemaken_relay_lag_seconds``: the age
  of the oldest of them (0 when none waits) - a relay that is stuck lets both grow;
- per timer of the service (``Timer``): ``meemaken_timers_due``, timers whose moment passed and that the
  worker has not fired yet (a few for a moment is normal, many or for long means its loop is stuck), and
  ``meemaken_deadlines_breached``, cases past a legal term and still open (an official has to act).

Like every meemaken metric they carry no service label: Prometheus adds it from the pod's labels
(``service``, ``component``: infra/monitoring/prometheus.yaml). The queries run at most every
``min_interval`` seconds whatever the scrape rate; a database that is away gives no figures (the series go
absent) and a warning, never an error on /metrics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from meemaken_events.tables import reading

log = logging.getLogger("meemaken.metrics")

Count = Callable[[datetime], sa.Select[Any]]  # a SELECT count(*) ... for the moment given

STATE_METRICS = (
    "meemaken_outbox_backlog",
    "meemaken_relay_lag_seconds",
    "meemaken_timers_due",
    "meemaken_deadlines_breached",
)


@dataclass(frozen=True)
class Timer:
    """A deadline a service watches: `due` counts the timers that should have fired by now and have not;
    `breached` (if the service keeps it) counts the open cases whose term has passed."""

    name: str
    due: Count
    breached: Count | None = None


class DatabaseState(Collector):
    def __init__(
        self,
        service: str,
        engine: sa.Engine,
        outbox: sa.Table | None,
        timers: Sequence[Timer] = (),
        min_interval: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service, self.engine, self.outbox, self.timers = service, engine, outbox, tuple(timers)
        self.min_interval, self.clock = min_interval, clock
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._families: list[Metric] = []

    def describe(self) -> list[Metric]:
        return list(self._empty())

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if time.monotonic() - self._read_at >= self.min_interval:
                self._families = self._read()
                self._read_at = time.monotonic()
            yield from self._families

    def _empty(self) -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily("meemaken_outbox_backlog", "Outbox rows not yet published", labels=[]),
            GaugeMetricFamily(
                "meemaken_relay_lag_seconds", "Age of the oldest unpublished outbox row (0: none)", labels=[]
            ),
            GaugeMetricFamily("meemaken_timers_due", "Timers whose moment passed, not fired yet", labels=["timer"]),
            GaugeMetricFamily("meemaken_deadlines_breached", "Open cases past their term", labels=["timer"]),
        ]

    def _read(self) -> list[Metric]:
        backlog, lag, due, breached = families = self._empty()
        now = self.clock()
        try:
            with self.engine.connect() as conn:
                reading(conn)
                if self.outbox is not None:
                    o = self.outbox
                    waiting = sa.select(sa.func.count(), sa.func.min(o.c.created_at)).where(o.c.published_at.is_(None))
                    count, oldest = conn.execute(waiting).one()
                    backlog.add_metric([], count)
                    lag.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
                for timer in self.timers:
                    due.add_metric([timer.name], conn.execute(timer.due(now)).scalar_one())
                    if timer.breached is not None:
                        breached.add_metric([timer.name], conn.execute(timer.breached(now)).scalar_one())
        except sa.exc.SQLAlchemyError as exc:
            log.warning("%s: no database figures this time (%s)", self.service, type(exc).__name__)
            return []
        return list(families)
