"""Which incoming event triggers which use case."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import sqlalchemy as sa

from challenges.integration.outgoing import type_of
from challenges.service_layer import handlers
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_events import Envelope, Handler, reads

GATES_CONSUMER = "challenges.gates"


def gate_handlers(uow_within: Callable[[sa.Connection], ChallengesUnitOfWork]) -> dict[str, Handler]:
    @reads("challenge_id")
    def on_submitted(connection: sa.Connection, envelope: Envelope) -> None:
        handlers.check_admissibility(uow_within(connection), UUID(envelope.data["challenge_id"]))

    return {type_of("submitted"): on_submitted}
