"""Which incoming event triggers which use case.

The gate consumer checks the challenges of a polled batch together (``gate_checks``, its loop's
``batch_scope``): the handler notes each submitted challenge, and at the batch's end one unit of work reads
them all, checks each in the order their events came, and writes them, their timers and their events in a
few statements, in the batch's transaction (with its inbox rows: all or nothing). An event handled alone (a
batch redone event by event after a failure, a dead letter replayed) is checked at once, as before. The
py-spy profile of the backlog benchmark (bench/profiles/r2c-backlog.svg) had the consumer's time in the use
case per challenge: its unit of work, timer sync and SQLAlchemy building each statement's cache key.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import sqlalchemy as sa

from challenges.integration.outgoing import type_of
from challenges.service_layer import handlers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_events import Envelope, Handler, deferred, reads

GATES_CONSUMER = "challenges.gates"

UnitOfWorkWithin = Callable[[sa.Connection], ChallengesUnitOfWork]


def gate_checks(uow_within: UnitOfWorkWithin) -> deferred.PerBatch[UUID]:
    """The batch's submitted challenges, checked together at its end (``scope`` is the consumer's
    ``batch_scope``); alone, a challenge is checked at once."""
    return deferred.PerBatch(
        "challenges.gates",
        lambda connection, pending: handlers.check_admissibility_of(uow_within(connection), pending),
        lambda connection, challenge_id: handlers.check_admissibility(uow_within(connection), challenge_id),
    )


def gate_handlers(checks: deferred.PerBatch[UUID]) -> dict[str, Handler]:
    @reads("challenge_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        checks.add(connection, UUID(envelope.data["challenge_id"]))

    return {type_of("submitted"): on_submitted}
