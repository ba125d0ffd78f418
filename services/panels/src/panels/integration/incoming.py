"""Which incoming event triggers which use case: the eligibility check, and challenge referrals."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import sqlalchemy as sa

from meemaken_events import Envelope, Handler, reads
from panels.integration.outgoing import respondent_type
from panels.service_layer import handlers
from panels.service_layer.unit_of_work import PanelsUnitOfWork

ELIGIBILITY_CONSUMER = "panels.eligibility"
REFERRALS_CONSUMER = "panels.referrals"
CHALLENGE_TOPIC = "meemaken.challenges.challenge"
REFERRED = "org.meemaken.challenges.challenge.referred_to_panel.v1"


def eligibility_handlers(uow_within: Callable[[sa.Connection], PanelsUnitOfWork]) -> dict[str, Handler]:
    @reads("panel_id", "pseudonym")
    def on_registered(connection: sa.Connection, envelope: Envelope) -> None:
        handlers.check_eligibility(uow_within(connection), UUID(envelope.data["panel_id"]), envelope.data["pseudonym"])

    return {respondent_type("registered"): on_registered}


def referral_handlers(uow_within: Callable[[sa.Connection], PanelsUnitOfWork]) -> dict[str, Handler]:
    @reads("challenge_id", "department", "details.question")
    def on_referred(connection: sa.Connection, envelope: Envelope) -> None:
        data = envelope.data
        handlers.open_referred_panel(
            uow_within(connection), UUID(data["challenge_id"]), data["details"]["question"], data["department"]
        )

    return {REFERRED: on_referred}
