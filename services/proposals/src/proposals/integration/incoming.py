"""Which incoming event triggers which use case."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import sqlalchemy as sa

from meemaken_events import Envelope, Handler, reads
from proposals.integration.outgoing import ROUND_CLOSED, SUBMITTED
from proposals.service_layer import budgets, handlers
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

ADMISSIBILITY_CONSUMER = "proposals.admissibility"
TALLY_CONSUMER = "proposals.tally"


def admissibility_handlers(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> dict[str, Handler]:
    @reads("proposal_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        handlers.check_admissibility(UUID(envelope.data["proposal_id"]), uow_within(connection))

    return {SUBMITTED: on_submitted}


def tally_handlers(uow_within: Callable[[sa.Connection], ProposalsUnitOfWork]) -> dict[str, Handler]:
    @reads("round_id")
    def on_closed(connection: sa.Connection, envelope: Envelope) -> None:
        budgets.tally_round(uow_within(connection), UUID(envelope.data["round_id"]))

    return {ROUND_CLOSED: on_closed}
