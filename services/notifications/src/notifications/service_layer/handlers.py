"""Use cases: tell a resident what happened to their proposal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID, uuid4

from notifications.adapters.repository import MessageRepository
from notifications.domain import messages
from notifications.domain.messages import DEFAULT_LANGUAGE, Message, Reason

log = logging.getLogger(__name__)


def tell_proposal_admitted(
    repository: MessageRepository, recipient_id: UUID, title: str, event_source: str, event_id: str
) -> Message:
    subject, body = messages.proposal_admitted(title, DEFAULT_LANGUAGE)
    return _record(repository, recipient_id, "proposal_admitted", subject, body, event_source, event_id)


def tell_proposal_rejected(
    repository: MessageRepository,
    recipient_id: UUID,
    title: str,
    reasons: list[Reason],
    event_source: str,
    event_id: str,
) -> Message:
    subject, body = messages.proposal_rejected(title, reasons, DEFAULT_LANGUAGE)
    return _record(repository, recipient_id, "proposal_rejected", subject, body, event_source, event_id)


def _record(
    repository: MessageRepository,
    recipient_id: UUID,
    kind: str,
    subject: str,
    body: str,
    event_source: str,
    event_id: str,
) -> Message:
    message = Message(
        uuid4(), recipient_id, kind, DEFAULT_LANGUAGE, subject, body, event_source, event_id, datetime.now(UTC)
    )
    repository.add(message)
    log.info("message %s (%s) recorded for event %s", message.id, kind, event_id)
    return message
