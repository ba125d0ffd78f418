"""Which incoming event triggers which use case.

The gate consumer checks the challenges of a polled batch together (``gate_checks_per_batch``, its loop's
``batch_scope``): the handler notes each submitted challenge, and at the batch's end one unit of work reads
them all, checks each in the order their events came, and writes them, their timers and their events in a
few statements, in the batch's transaction (with its inbox rows: all or nothing). An event handled alone (a
batch redone event by event after a failure, a dead letter replayed) is checked at once, as before. The
py-spy profile of the backlog benchmark (bench/profiles/r2c-backlog.svg) had the consumer's time in the use
case per challenge: its unit of work, timer sync and SQLAlchemy building each statement's cache key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from uuid import UUID

import sqlalchemy as sa

from challenges.integration.outgoing import type_of
from challenges.service_layer import handlers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_events import Envelope, Handler, reads

GATES_CONSUMER = "challenges.gates"
PENDING = "challenges.gate_checks"  # the connection's info key holding a batch's submitted challenges

UnitOfWorkWithin = Callable[[sa.Connection], ChallengesUnitOfWork]


def gate_handlers(uow_within: UnitOfWorkWithin) -> dict[str, Handler]:
    @reads("challenge_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        challenge_id = UUID(envelope.data["challenge_id"])
        pending: list[UUID] | None = connection.info.get(PENDING)
        if pending is None:
            handlers.check_admissibility(uow_within(connection), challenge_id)
        else:
            pending.append(challenge_id)

    return {type_of("submitted"): on_submitted}


def gate_checks_per_batch(uow_within: UnitOfWorkWithin) -> Callable[[sa.Connection], AbstractContextManager[None]]:
    """The gate consumer's ``batch_scope``: the batch's submitted challenges, checked together at its end."""

    @contextmanager
    def scope(connection: sa.Connection) -> Iterator[None]:
        pending: list[UUID] = []
        connection.info[PENDING] = pending
        try:
            yield
            if pending:
                handlers.check_admissibility_of(uow_within(connection), pending)
        finally:
            connection.info.pop(PENDING, None)

    return scope
