"""The worker's own loops beside the consumers: sender, fan-out and schedule, steps of the workers' one loop
(meemaken_events.loop: waits, failures and their backoff, metrics, stop on SIGTERM)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta, tzinfo

import sqlalchemy as sa

from meemaken_events.loop import Backoff, Loop
from meemaken_events.wakeup import Wakeup
from notifications.service_layer.fanout import fan_out_step
from notifications.service_layer.planning import FAN_OUT, PERSONAL_LANE
from notifications.service_layer.ports import Clock, Mailer, RemoteRecipients
from notifications.service_layer.schedule import build_digests, purge_delivery_log
from notifications.service_layer.sending import Sender


class SenderLoop(Loop):
    """Sends due e-mails on `connections` threads, each with its own SMTP connection, and on one more thread,
    the personal lane, only those of a priority under `FAN_OUT` (legally required and personal messages):
    a fan-out's batches on the other threads never keep a challenge's e-mail waiting. On PostgreSQL the lane,
    idle, waits for the commit that planned such an e-mail (NOTIFY, meemaken_events.wakeup), and looks anyway
    every `lane_interval` seconds (a lost notification, a retry come due); elsewhere it polls that often."""

    name = "sender"
    lane_interval = 1.0  # seconds the personal lane waits, idle, before it looks again (woken earlier by NOTIFY)
    lane_poll = 0.1  # the same without a wake-up (SQLite, a pool of one)

    def __init__(self, sender: Sender, mailers: Callable[[], Mailer], connections: int, interval: float = 0.5):
        super().__init__(interval)
        self.sender, self.mailers, self.connections = sender, mailers, max(1, connections)

    def run(self) -> None:
        connections = [_Connection(self, index) for index in range(self.connections)]
        wakeup = Wakeup.for_engine(self.sender.engine, PERSONAL_LANE)
        lane = _Connection(self, "personal", FAN_OUT, self.lane_interval if wakeup else self.lane_poll, wakeup)
        connections.append(lane)
        threads = [threading.Thread(target=c.run, name=c.name, daemon=True) for c in connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


class _Connection(Loop):
    """One of the sender's threads: its own SMTP connection, closed while there is nothing to send."""

    def __init__(
        self,
        loop: SenderLoop,
        index: int | str,
        below: int | None = None,
        interval: float | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.name = f"{loop.name}-{index}"
        super().__init__(loop.interval if interval is None else interval, stop=loop._stop)
        self.sender, self.mailers, self.below, self.wakeup = loop.sender, loop.mailers, below, wakeup
        self.mailer: Mailer | None = None

    def wait(self, seconds: float) -> bool:
        """With a wake-up: until a commit notifies (then at once) or `seconds` passed; a wake-up that cannot
        listen just now leaves the plain wait."""
        if self.wakeup is None or seconds <= 0:
            return super().wait(seconds)
        began = time.monotonic()
        if self.wakeup.wait(seconds, self._stop):
            return self.stopped
        return super().wait(seconds - (time.monotonic() - began))

    def step(self) -> int:
        self.mailer = self.mailer or self.mailers()
        try:
            sent = self.sender.send_due(self.mailer, self.below)
        except Exception:
            self.close()
            raise
        if not sent:
            self.close()  # idle: do not hold the server's connection
        return sent

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()
            self.mailer = None
        if self.wakeup is not None and self.stopped:
            self.wakeup.close()


class FanOutLoop(Loop):
    """Pages through the people of each fan-out; while the listing service is away it backs off
    (1, 2, 4 ... 60 s), so it neither hammers that service nor floods the log."""

    name = "fanout"
    longest_pause = 60.0

    def __init__(self, engine: sa.Engine, recipients: RemoteRecipients, clock: Clock, interval: float = 0.5):
        super().__init__(interval)
        self.engine, self.recipients, self.clock = engine, recipients, clock
        self.away = Backoff(1.0, self.longest_pause)
        self.pause = 0.0

    def step(self) -> bool:
        planned = fan_out_step(self.engine, self.recipients, self.clock())
        if planned < 0:
            self.pause = self.away.delay()
            self.wait(self.pause)
            return False
        self.away.reset()
        self.pause = 0.0
        return planned > 0


class ScheduleLoop(Loop):
    """Digests when a period closes, and the delivery log's purge; state in the database."""

    name = "schedule"

    def __init__(self, engine: sa.Engine, clock: Clock, zone: tzinfo, retention: timedelta, interval: float = 30.0):
        super().__init__(interval)
        self.engine, self.clock, self.zone, self.retention = engine, clock, zone, retention

    def step(self) -> bool:
        build_digests(self.engine, self.clock(), self.zone)
        purge_delivery_log(self.engine, self.clock(), self.retention)
        return False
