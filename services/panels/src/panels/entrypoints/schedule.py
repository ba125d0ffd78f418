"""The worker's loops on a timer: late answers and the privacy schedule; lotteries asked for."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa

from panels.service_layer.handlers import compute_lottery, run_schedule
from panels.service_layer.unit_of_work import PanelsUnitOfWork

log = logging.getLogger("meemaken.panels.schedule")


class ScheduleLoop:
    name = "schedule"

    def __init__(self, uow_factory: Callable[[], PanelsUnitOfWork], interval: float = 30.0) -> None:
        self.uow_factory, self.interval = uow_factory, interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                run_schedule(self.uow_factory)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                log.warning("schedule paused: database unavailable (%s)", type(exc).__name__)
            self._stop.wait(self.interval)


class LotteryLoop:
    """Computes the lotteries coordinators asked for, one panel at a time (each may take minutes)."""

    name = "lotteries"

    def __init__(self, uow_factory: Callable[[], PanelsUnitOfWork], interval: float = 2.0) -> None:
        self.uow_factory, self.interval = uow_factory, interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and compute_lottery(self.uow_factory()) is not None:
                    pass
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                log.warning("lotteries paused: database unavailable (%s)", type(exc).__name__)
            self._stop.wait(self.interval)
