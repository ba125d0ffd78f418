"""How a message looks: a text part, an accessible HTML part, and a printable letter.

Every message has the same parts in the same order, so people learn where to look: what
happened (with the case's status), the reasons given, what happens next, and by when. The
parts come from a message template (``messages/<key>.txt``); the layouts (``layout/``) put
them on the page, HTML escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from meemaken_kit import texts

TEMPLATES = Path(__file__).parent
CATALOGUES = TEMPLATES.parent.parent / "translations"


def parts(language: str, name: str, **variables: Any) -> dict[str, Any]:
    return texts.parts(TEMPLATES, CATALOGUES, language, name, labels=_labels(language), **variables)


def page(language: str, name: str, **variables: Any) -> str:
    return texts.template(TEMPLATES, CATALOGUES, language, name).render(variables, labels=_labels(language))


def _labels(language: str) -> Any:
    """labels.txt's words, given to every template as `labels`: built once per language (an
    ``{% import %}`` in each template cost more than the rest of a render)."""
    return texts.template(TEMPLATES, CATALOGUES, language, "labels.txt").module


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    lines: tuple[str, ...]  # what happened, one paragraph each
    status: str | None = None
    reasons: tuple[str, ...] = ()
    next_step: str | None = None
    deadline: str | None = None
    items: tuple[str, ...] = ()  # e.g. the funded projects
    impact: str | None = None

    @classmethod
    def of(cls, language: str, template: str, **variables: Any) -> Rendered:
        """The message a template (``messages/<template>.txt``) sets the parts of."""
        p = parts(language, f"messages/{template}.txt", **variables)
        return cls(
            language,
            p["subject"],
            tuple(p["lines"]),
            status=p.get("status"),
            reasons=tuple(p.get("reasons", ())),
            next_step=p.get("next_step"),
            deadline=p.get("deadline"),
            items=tuple(p.get("items", ())),
            impact=p.get("impact"),
        )

    def text(self) -> str:
        return page(self.language, "layout/message.txt", m=self)

    def html(self) -> str:
        return page(self.language, "layout/email.html", m=self)


def email_text(rendered: Rendered) -> str:
    return page(rendered.language, "layout/email.txt", m=rendered)


def letter_html(rendered: Rendered, address: tuple[str, ...], today: date) -> str:
    """A printable letter (A4, print CSS): the address block for a window envelope, the date, the message."""
    return page(rendered.language, "layout/letter.html", m=rendered, address=address, today=today)
