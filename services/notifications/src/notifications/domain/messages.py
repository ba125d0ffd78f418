"""In-app messages to residents, written in plain language in Dutch, French or English.

A message says what happened and what happens next. No points or badges: people take part
because the service is useful and others do it too (Letki & Steen 2021), so messages say so.
Their texts are the templates' (``domain/templates``), translated in ``notifications/translations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"


@dataclass
class Message:
    id: UUID
    recipient_id: UUID
    kind: str
    language: str
    subject: str
    body: str
    event_source: str
    event_id: str
    created_at: datetime
    read_at: datetime | None = None
