"""In-app messages to residents, written in plain language in Dutch, French or English.

A message says what happened and what happens next. No points or badges: people take part
because the service is useful and others do it too (Letki & Steen 2021), so messages say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str


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


REASONS: dict[str, dict[str, str]] = {
    "title_too_short": {
        "nl": "De titel is te kort.",
        "fr": "Le titre est trop court.",
        "en": "The title is too short.",
    },
    "title_too_long": {
        "nl": "De titel is te lang.",
        "fr": "Le titre est trop long.",
        "en": "The title is too long.",
    },
    "text_too_short": {
        "nl": "De uitleg is te kort: vertel wat je wilt veranderen en waarom.",
        "fr": "Le texte est trop court : expliquez ce que vous voulez changer et pourquoi.",
        "en": "The text is too short: say what you want to change and why.",
    },
    "text_too_long": {
        "nl": "De uitleg is te lang.",
        "fr": "Le texte est trop long.",
        "en": "The text is too long.",
    },
    "duplicate_title": {
        "nl": "Er is in dit traject al een voorstel met dezelfde titel. Steun dat voorstel of kies een andere titel.",
        "fr": "Une proposition portant le même titre existe déjà dans ce processus. "
        "Soutenez-la ou choisissez un autre titre.",
        "en": "This process already has a proposal with the same title. Support that one or choose another title.",
    },
    "shouting": {
        "nl": "Schrijf de titel niet volledig in hoofdletters.",
        "fr": "N'écrivez pas le titre entièrement en majuscules.",
        "en": "Please do not write the title in capitals only.",
    },
}

ADMITTED = {
    "nl": (
        "Je voorstel \u201c{title}\u201d is aanvaard",
        "Goed nieuws: je voorstel \u201c{title}\u201d voldoet aan de voorwaarden en staat nu online. "
        "Andere inwoners kunnen het lezen en steunen. Je hoort van ons zodra er iets verandert.",
    ),
    "fr": (
        "Votre proposition \u00ab {title} \u00bb est accept\u00e9e",
        "Bonne nouvelle : votre proposition \u00ab {title} \u00bb remplit les conditions et est en ligne. "
        "Les autres habitants peuvent la lire et la soutenir. "
        "Nous vous pr\u00e9viendrons d\u00e8s qu'il y a du nouveau.",
    ),
    "en": (
        "Your proposal \u201c{title}\u201d has been accepted",
        "Good news: your proposal \u201c{title}\u201d meets the conditions and is now online. "
        "Other residents can read and support it. We will let you know as soon as anything changes.",
    ),
}

REJECTED = {
    "nl": (
        "Je voorstel \u201c{title}\u201d kan nog niet verder",
        "Je voorstel \u201c{title}\u201d voldoet nog niet aan de voorwaarden:\n{reasons}\n"
        "Pas het aan en dien het opnieuw in; veel voorstellen slagen bij de tweede poging.",
    ),
    "fr": (
        "Votre proposition \u00ab {title} \u00bb ne peut pas encore avancer",
        "Votre proposition \u00ab {title} \u00bb ne remplit pas encore les conditions :\n{reasons}\n"
        "Adaptez-la et soumettez-la \u00e0 nouveau ; beaucoup de propositions r\u00e9ussissent au deuxi\u00e8me essai.",
    ),
    "en": (
        "Your proposal \u201c{title}\u201d cannot go further yet",
        "Your proposal \u201c{title}\u201d does not meet the conditions yet:\n{reasons}\n"
        "Change it and submit it again; many proposals succeed at the second attempt.",
    ),
}


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def proposal_admitted(title: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    subject, body = ADMITTED[_language(language)]
    return subject.format(title=title), body.format(title=title)


def proposal_rejected(title: str, reasons: list[Reason], language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    lang = _language(language)
    subject, body = REJECTED[lang]
    lines = "\n".join(f"- {REASONS.get(r.code, {}).get(lang, r.detail)}" for r in reasons)
    return subject.format(title=title), body.format(title=title, reasons=lines)
