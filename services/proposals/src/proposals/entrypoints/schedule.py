"""The worker's schedule loop: answer terms of supported proposals, checked every interval."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa

from proposals.service_layer.handlers import check_answer_deadlines
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

log = logging.getLogger("meemaken.proposals.schedule")


class ScheduleLoop:
    name = "schedule"

    def __init__(self, uow_factory: Callable[[], ProposalsUnitOfWork], interval: float = 30.0) -> None:
        self.uow_factory, self.interval = uow_factory, interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while check_answer_deadlines(self.uow_factory) > 0:
                    pass
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                log.warning("schedule paused: database unavailable (%s)", type(exc).__name__)
            self._stop.wait(self.interval)
