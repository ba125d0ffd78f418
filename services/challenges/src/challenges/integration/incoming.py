"""Which incoming event triggers which use case.

The gate consumer checks the challenges of a polled batch together (``gate_checks``, its loop's
``batch_scope``): the handler notes each submitted challenge, and at the batch's end one unit of work reads
them all, checks each in the order their events came, and writes them, their timers and their events in a
few statements, in the batch's transaction (with its inbox rows: all or nothing). Each challenge is checked
within its `submitted` event's correlation and the loop's CONSUMER span for it (``deferred.resumable``): its
log line and the events it causes carry that correlation id and trace, as when it is checked alone. An
event handled alone (a batch redone event by event after a failure, a dead letter replayed) is checked at
once, as before. The py-spy profile of the backlog benchmark (bench/profiles/r2c-backlog.svg) had the
consumer's time in the use case per challenge: its unit of work, timer sync and SQLAlchemy building each
statement's cache key.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from uuid import UUID

import sqlalchemy as sa

from challenges.integration.outgoing import type_of
from challenges.service_layer import handlers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_events import Envelope, Handler, deferred, reads

GATES_CONSUMER = "challenges.gates"

UnitOfWorkWithin = Callable[[sa.Connection], ChallengesUnitOfWork]
Submitted = tuple[UUID, Callable[[], AbstractContextManager[None]]]  # the challenge, its `submitted` event's context


def gate_checks(uow_within: UnitOfWorkWithin) -> deferred.PerBatch[Submitted]:
    """The batch's submitted challenges, checked together at its end (``scope`` is the consumer's
    ``batch_scope``), each within its event's correlation and trace; alone, a challenge is checked at once."""

    def together(connection: sa.Connection, pending: list[Submitted]) -> None:
        handlers.check_admissibility_of(uow_within(connection), pending)

    def alone(connection: sa.Connection, submitted: Submitted) -> None:
        handlers.check_admissibility(uow_within(connection), submitted[0])

    return deferred.PerBatch(GATES_CONSUMER, together, alone)


def gate_handlers(checks: deferred.PerBatch[Submitted]) -> dict[str, Handler]:
    @reads("challenge_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        checks.add(connection, (UUID(envelope.data["challenge_id"]), deferred.resumable()))

    return {type_of("submitted"): on_submitted}
