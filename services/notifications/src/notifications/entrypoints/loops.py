"""The worker's own loops beside the consumers: sender, fan-out and schedule. Each stops on SIGTERM."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta, tzinfo

import sqlalchemy as sa

from notifications.service_layer.fanout import fan_out_step
from notifications.service_layer.ports import Clock, Mailer, RemoteRecipients
from notifications.service_layer.schedule import build_digests, purge_delivery_log
from notifications.service_layer.sending import Sender

log = logging.getLogger(__name__)
PAUSED = (sa.exc.OperationalError, sa.exc.InterfaceError)


class _Loop:
    name = "loop"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                busy = self.step()
            except PAUSED as exc:
                log.warning("%s paused: %s", self.name, type(exc).__name__)
            except Exception:  # a bad row must not stop the worker: log it, try again next round
                log.exception("%s: step failed; retrying", self.name)
            if not busy:
                self._stop.wait(self.interval)

    def step(self) -> bool:
        raise NotImplementedError


class SenderLoop(_Loop):
    """Sends due e-mails on `connections` threads, each with its own SMTP connection."""

    name = "sender"

    def __init__(self, sender: Sender, mailers: Callable[[], Mailer], connections: int, interval: float = 0.5):
        super().__init__(interval)
        self.sender, self.mailers, self.connections = sender, mailers, max(1, connections)

    def run(self) -> None:
        threads = [
            threading.Thread(target=self._send, name=f"sender-{i}", daemon=True) for i in range(self.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _send(self) -> None:
        mailer = self.mailers()
        try:
            while not self._stop.is_set():
                sent = 0
                try:
                    sent = self.sender.send_due(mailer)
                except PAUSED as exc:
                    log.warning("sender paused: %s", type(exc).__name__)
                except Exception:
                    log.exception("sender: batch failed; retrying")
                if not sent:
                    mailer.close()  # idle: do not hold the server's connection
                    self._stop.wait(self.interval)
        finally:
            mailer.close()


class FanOutLoop(_Loop):
    """Pages through the people of each fan-out; while the listing service is away it backs off
    (1, 2, 4 ... 60 s), so it neither hammers that service nor floods the log."""

    name = "fanout"
    longest_pause = 60.0

    def __init__(self, engine: sa.Engine, recipients: RemoteRecipients, clock: Clock, interval: float = 0.5):
        super().__init__(interval)
        self.engine, self.recipients, self.clock = engine, recipients, clock
        self.pause = 0.0

    def step(self) -> bool:
        planned = fan_out_step(self.engine, self.recipients, self.clock())
        if planned < 0:
            self.pause = min(self.longest_pause, self.pause * 2 or 1.0)
            self._stop.wait(self.pause)
            return False
        self.pause = 0.0
        return planned > 0


class ScheduleLoop(_Loop):
    """Digests when a period closes, and the delivery log's purge; state in the database."""

    name = "schedule"

    def __init__(self, engine: sa.Engine, clock: Clock, zone: tzinfo, retention: timedelta, interval: float = 30.0):
        super().__init__(interval)
        self.engine, self.clock, self.zone, self.retention = engine, clock, zone, retention

    def step(self) -> bool:
        build_digests(self.engine, self.clock(), self.zone)
        purge_delivery_log(self.engine, self.clock(), self.retention)
        return False
