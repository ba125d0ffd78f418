"""The daily or weekly digest: the period's messages in one e-mail, each once, oldest first."""

from __future__ import annotations

from datetime import date
from typing import Any

from notifications.domain.templates.layout import Rendered, long_date

T: dict[str, dict[str, Any]] = {
    "nl": {
        "daily": "Je berichten van {day}",
        "weekly": "Je berichten van de week van {day}",
        "intro": "Dit is je overzicht. Je koos ervoor je berichten gebundeld te krijgen.",
        "next": "Open je berichten in meemaken voor de details en wat je kan doen.",
    },
    "fr": {
        "daily": "Vos messages du {day}",
        "weekly": "Vos messages de la semaine du {day}",
        "intro": "Voici votre r\u00e9capitulatif. Vous avez choisi de recevoir vos messages group\u00e9s.",
        "next": "Ouvrez vos messages dans meemaken pour les d\u00e9tails et ce que vous pouvez faire.",
    },
    "en": {
        "daily": "Your messages of {day}",
        "weekly": "Your messages of the week of {day}",
        "intro": "This is your summary. You chose to receive your messages bundled.",
        "next": "Open your messages in meemaken for the details and what you can do.",
    },
}


def digest(messages: list[Rendered], cadence: str, start: date, lang: str) -> Rendered:
    t = T[lang]
    items = tuple(f"{m.subject}: {' '.join(m.lines)}" for m in messages)
    return Rendered(
        lang, t[cadence].format(day=long_date(start, lang)), (t["intro"],), items=items, next_step=t["next"]
    )
