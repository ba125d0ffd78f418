"""Templates per event and language (nl first, fr, en): which text a template key renders to.

A key names a message template, ``messages/<key>.txt``, whose sentences are translated in the gettext
catalogues of ``notifications/translations`` (see the README, Translations)."""

from __future__ import annotations

from datetime import date
from typing import Any

from notifications.domain.messages import DEFAULT_LANGUAGE, LANGUAGES
from notifications.domain.templates.layout import TEMPLATES, Rendered, email_text, letter_html

KEYS = frozenset(p.stem for p in (TEMPLATES / "messages").glob("*.txt")) - {"digest"}

# the fields of the event a template reads as they are (not through ``.get``), as dotted paths
FIELDS: dict[str, tuple[str, ...]] = {
    "budget_results": ("voters",),
    "challenge_decided": ("department", "to_status"),
    "challenge_status": ("department", "from_status", "to_status"),
    "deadline_breached": ("challenge_id", "department", "to_status"),
    "deadline_near": ("challenge_id", "department", "to_status"),
    "deadline_alert": ("service", "case_id", "level", "due_at"),
    "proposal_admitted": ("title",),
    "proposal_rejected": ("title",),
    "work_arrived": ("challenge_id", "department", "to_status"),
}


def render(template: str, event_type: str, data: dict[str, Any], language: str, role: str = "") -> Rendered:
    """The message for one event in one language, for a recipient in `role`. Templates that cover several
    events (a panel update, a respondent's registration, a proposal's news) read which event it was from
    `what`, its type's verb."""
    if template not in KEYS:
        raise KeyError(template)
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    what = event_type.rsplit(".", 2)[-2]  # org.meemaken.panels.panel.drawn.v1 -> drawn
    return Rendered.of(lang, template, data=data, details=data.get("details") or {}, role=role, what=what)


def digest(messages: list[Rendered], cadence: str, start: date, language: str) -> Rendered:
    """The daily or weekly digest: the period's messages in one e-mail, each once, oldest first."""
    return Rendered.of(language, "digest", messages=messages, cadence=cadence, start=start)


__all__ = ["FIELDS", "KEYS", "Rendered", "digest", "email_text", "letter_html", "render"]
