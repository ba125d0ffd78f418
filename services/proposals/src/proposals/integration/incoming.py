"""Which incoming event triggers which use case."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from uuid import UUID

import sqlalchemy as sa

from meemaken_events import Envelope, Handler, deferred, reads
from proposals.integration.outgoing import ROUND_CLOSED, SUBMITTED
from proposals.service_layer import budgets, handlers
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

ADMISSIBILITY_CONSUMER = "proposals.admissibility"
TALLY_CONSUMER = "proposals.tally"
Submission = tuple[UUID, Callable[[], AbstractContextManager[None]]]  # the proposal, its event's context


def admissibility_checks(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> deferred.PerBatch[Submission]:
    """A polled batch's submissions checked together at its end, in its transaction and in their order, each
    within its event's correlation and its one CONSUMER span (``deferred.resumable``; ``scope`` is the consumer's
    ``batch_scope``; the py-spy profile of bench/latency.py had the consumer fall behind at 200/s on a unit of
    work, four queries and an outbox write per proposal); alone (an event redone in its savepoint during poison
    triage, a dead letter replayed) a submission is checked at once."""

    def together(connection: sa.Connection, pending: list[Submission]) -> None:
        handlers.check_admissibility_of(pending, uow_within(connection))

    def alone(connection: sa.Connection, submission: Submission) -> None:
        handlers.check_admissibility(submission[0], uow_within(connection))

    return deferred.PerBatch("proposals.admissibility", together, alone)


def admissibility_handlers(checks: deferred.PerBatch[Submission]) -> dict[str, Handler]:
    @reads("proposal_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        checks.add(connection, (UUID(envelope.data["proposal_id"]), deferred.resumable()))

    return {SUBMITTED: on_submitted}


def tally_handlers(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> dict[str, Handler]:
    @reads("round_id")
    def on_closed(connection: sa.Connection, envelope: Envelope) -> None:
        budgets.tally_round(uow_within(connection), UUID(envelope.data["round_id"]))

    return {ROUND_CLOSED: on_closed}
