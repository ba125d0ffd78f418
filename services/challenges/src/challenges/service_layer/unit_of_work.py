"""The challenges unit of work: state, timers and events of every challenge it saw, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from challenges.adapters.repository import ChallengeRepository, TaskRepository
from challenges.adapters.timer_store import TimerStore
from challenges.domain.challenge import Challenge
from challenges.domain.deadlines import deadlines_of
from meemaken_kit import UnitOfWork


class ChallengesUnitOfWork(UnitOfWork):
    clock: Callable[[], datetime]

    @property
    def challenges(self) -> ChallengeRepository:
        return self.repository(ChallengeRepository)

    @property
    def tasks(self) -> TaskRepository:
        return TaskRepository(self.connection)

    @property
    def timers(self) -> TimerStore:
        return TimerStore(self.connection)

    def commit(self) -> None:
        changed = {
            aggregate.id: deadlines_of(aggregate)
            for aggregate in self.seen
            if isinstance(aggregate, Challenge) and _deadlines_may_have_changed(aggregate)
        }
        if changed:  # every challenge's timers in two statements
            self.timers.sync(changed, self.clock())
        super().commit()


def _deadlines_may_have_changed(challenge: Challenge) -> bool:
    """Deadlines follow the state and the decision clock; notes such as scores leave them alone."""
    return any(e.from_status != e.to_status or e.name == "decision_term_extended" for e in challenge.events)
