"""Templates per event and language (nl first, fr, en): which text a template key renders to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notifications.domain.messages import DEFAULT_LANGUAGE, LANGUAGES
from notifications.domain.templates import challenges, panels, proposal_news, proposals
from notifications.domain.templates.layout import Rendered, email_text, letter_html

Template = Callable[[dict[str, Any], str, str], Rendered]  # (event data, language, recipient's role)

TEMPLATES: dict[str, Template] = {
    "challenge_status": lambda d, lang, role: challenges.status(d, lang),
    "challenge_decided": lambda d, lang, role: challenges.decided(d, lang),
    "information_requested": lambda d, lang, role: challenges.information_requested(d, lang),
    "work_arrived": lambda d, lang, role: challenges.work_arrived(d, lang),
    "deadline_near": lambda d, lang, role: challenges.deadline(d, lang, breached=False),
    "deadline_breached": lambda d, lang, role: challenges.deadline(d, lang, breached=True),
    "panel_invitation": lambda d, lang, role: panels.invitation(d, lang),
    "panel_member_selected": lambda d, lang, role: panels.selected(d, lang),
    "panel_alternate": lambda d, lang, role: panels.alternate(d, lang),
    "panel_session": lambda d, lang, role: panels.session(d, lang),
    "proposal_admitted": lambda d, lang, role: proposals.admitted(d, lang),
    "proposal_rejected": lambda d, lang, role: proposals.rejected(d, lang),
    "budget_results": lambda d, lang, role: proposals.budget_results(d, lang, voted=role == "voters"),
}


def render(template: str, event_type: str, data: dict[str, Any], language: str, role: str = "") -> Rendered:
    """The message for one event in one language. Templates that cover several events (a panel update,
    a respondent's registration) read which event it was from its type."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    what = event_type.rsplit(".", 2)[-2]  # org.meemaken.panels.panel.drawn.v1 -> drawn
    if template == "panel_update":
        return panels.update(data, lang, what)
    if template == "panel_respondent":
        return panels.respondent(data, lang, what)
    if template == "proposal_news":
        return proposal_news.news(data, lang, what)
    return TEMPLATES[template](data, lang, role)


KEYS = frozenset({*TEMPLATES, "panel_update", "panel_respondent", "proposal_news"})

__all__ = ["KEYS", "Rendered", "email_text", "letter_html", "render"]
