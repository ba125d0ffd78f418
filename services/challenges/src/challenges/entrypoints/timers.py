"""The worker's timer loop: fires due deadlines every few seconds, stops cleanly on SIGTERM."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from challenges.service_layer.handlers import fire_due_timers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork

log = logging.getLogger(__name__)


class TimerLoop:
    name = "timers"

    def __init__(
        self, uow_factory: Callable[[], ChallengesUnitOfWork], clock: Callable[[], datetime], interval: float = 1.0
    ) -> None:
        self.uow_factory, self.clock, self.interval = uow_factory, clock, interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while fire_due_timers(self.uow_factory, self.clock()):
                    pass
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                log.warning("timer loop paused: %s", type(exc).__name__)
            except Exception:  # another worker changed the same challenge meanwhile: try again next tick
                log.warning("timers could not fire this round; retrying", exc_info=True)
            self._stop.wait(self.interval)
