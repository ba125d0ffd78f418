"""Which incoming event triggers which message (services never import each other: types are named here)."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from meemaken_events import Envelope, Handler
from notifications.adapters.repository import MessageRepository
from notifications.domain.messages import Reason
from notifications.service_layer import handlers

INAPP_CONSUMER = "notifications.inapp"
PROPOSAL_TOPIC = "meemaken.proposals.proposal"
PROPOSAL_ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"
PROPOSAL_REJECTED = "org.meemaken.proposals.proposal.rejected.v1"


def on_proposal_admitted(connection: sa.Connection, envelope: Envelope) -> None:
    data = envelope.data
    handlers.tell_proposal_admitted(
        MessageRepository(connection), UUID(data["author_id"]), data["title"], envelope.source, envelope.id
    )


def on_proposal_rejected(connection: sa.Connection, envelope: Envelope) -> None:
    data = envelope.data
    reasons = [Reason(r["code"], r["detail"]) for r in data["reasons"]]
    handlers.tell_proposal_rejected(
        MessageRepository(connection), UUID(data["author_id"]), data["title"], reasons, envelope.source, envelope.id
    )


HANDLERS: dict[str, Handler] = {PROPOSAL_ADMITTED: on_proposal_admitted, PROPOSAL_REJECTED: on_proposal_rejected}
