"""Which incoming event triggers which use case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from uuid import UUID

import sqlalchemy as sa

from meemaken_events import Envelope, Handler, catalogue, correlated, reads, tracing
from meemaken_events.consumer import BatchScope
from proposals.integration.outgoing import ROUND_CLOSED, SUBMITTED
from proposals.service_layer import budgets, handlers
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

ADMISSIBILITY_CONSUMER = "proposals.admissibility"
TALLY_CONSUMER = "proposals.tally"
PENDING = "proposals.admissibility.pending"  # the connection's info key holding a polled batch's submissions


def admissibility_handlers(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> dict[str, Handler]:
    """Inside ``admissibility_batch`` a submission waits for the end of its polled batch; alone (an event redone
    in its savepoint during poison triage, a dead letter replayed) it is checked at once."""

    @reads("proposal_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        proposal_id = UUID(envelope.data["proposal_id"])
        pending: list[tuple[UUID, Envelope]] | None = connection.info.get(PENDING)
        if pending is None:
            handlers.check_admissibility(proposal_id, uow_within(connection))
        else:
            pending.append((proposal_id, envelope))

    return {SUBMITTED: on_submitted}


def admissibility_batch(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> BatchScope:
    """The admissibility consumer's ``batch_scope``: the polled batch's submissions checked together at its end,
    in its transaction and in their order, each within its event's correlation and trace (the py-spy profile
    of bench/latency.py had the consumer fall behind at 200/s on a unit of work, four queries and an outbox
    write per proposal)."""

    topic = catalogue()[SUBMITTED].topic

    @contextmanager
    def scope(connection: sa.Connection) -> Iterator[None]:
        pending: list[tuple[UUID, Envelope]] = []
        connection.info[PENDING] = pending
        try:
            yield
        finally:
            connection.info.pop(PENDING, None)
        if pending:
            checks = [(proposal_id, _handling(envelope, topic)) for proposal_id, envelope in pending]
            handlers.check_admissibility_of(checks, uow_within(connection))

    return scope


def _handling(envelope: Envelope, topic: str) -> Callable[[], AbstractContextManager[object]]:
    @contextmanager
    def context() -> Iterator[None]:
        with correlated(envelope.correlation_id), tracing.processing(envelope, topic, ADMISSIBILITY_CONSUMER):
            yield

    return context


def tally_handlers(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> dict[str, Handler]:
    @reads("round_id")
    def on_closed(connection: sa.Connection, envelope: Envelope) -> None:
        budgets.tally_round(uow_within(connection), UUID(envelope.data["round_id"]))

    return {ROUND_CLOSED: on_closed}
