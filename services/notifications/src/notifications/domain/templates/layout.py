"""How a message looks: a text part, an accessible HTML part, and a printable letter.

Every message has the same parts in the same order, so people learn where to look: what
happened (with the case's status), the reasons given, what happens next, and by when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape

HEADINGS = {
    "nl": {
        "status": "Stand van zaken",
        "reasons": "Waarom",
        "next": "Wat gebeurt er nu?",
        "deadline": "Uiterste datum",
    },
    "fr": {
        "status": "O\u00f9 en est-on ?",
        "reasons": "Pourquoi",
        "next": "Et maintenant ?",
        "deadline": "Date limite",
    },
    "en": {"status": "Where things stand", "reasons": "Why", "next": "What happens next?", "deadline": "Deadline"},
}
MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier f\u00e9vrier mars avril mai juin juillet ao\u00fbt septembre octobre novembre d\u00e9cembre",
    "en": "January February March April May June July August September October November December",
}
FOOTER = {
    "nl": "Je krijgt dit bericht van je gemeente via meemaken. Je kiest zelf hoe en hoe vaak je berichten krijgt "
    "in je voorkeuren; berichten die de wet verplicht, krijg je altijd.",
    "fr": "Vous recevez ce message de votre commune via meemaken. Vous choisissez comment et \u00e0 quelle "
    "fr\u00e9quence dans vos pr\u00e9f\u00e9rences ; les messages exig\u00e9s par la loi vous parviennent toujours.",
    "en": "Your municipality sends you this message through meemaken. Choose how and how often you hear from us "
    "in your preferences; messages the law requires always reach you.",
}


def long_date(moment: datetime | date | str, language: str) -> str:
    """29 november 2026 / 29 novembre 2026 / 29 November 2026."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment.day} {MONTHS[language].split()[moment.month - 1]} {moment.year}"


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

    def text(self) -> str:
        h = HEADINGS[self.language]
        parts = [*self.lines]
        if self.items:
            parts.append("\n".join(f"- {item}" for item in self.items))
        if self.impact:
            parts.append(self.impact)
        if self.status:
            parts.append(f"{h['status']}: {self.status}")
        if self.reasons:
            parts.append(f"{h['reasons']}:\n" + "\n".join(f"- {r}" for r in self.reasons))
        if self.next_step:
            parts.append(f"{h['next']}\n{self.next_step}")
        if self.deadline:
            parts.append(f"{h['deadline']}: {self.deadline}")
        return "\n\n".join(parts)

    def body_html(self) -> str:
        h = HEADINGS[self.language]
        out = [f"<h1>{escape(self.subject)}</h1>", *(f"<p>{escape(line)}</p>" for line in self.lines)]
        if self.items:
            out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in self.items) + "</ul>")
        if self.impact:
            out.append(f'<p class="impact">{escape(self.impact)}</p>')
        if self.status:
            out.append(f"<h2>{h['status']}</h2><p>{escape(self.status)}</p>")
        if self.reasons:
            listed = "".join(f"<li>{escape(r)}</li>" for r in self.reasons)
            out.append(f"<h2>{h['reasons']}</h2><ul>{listed}</ul>")
        if self.next_step:
            out.append(f"<h2>{h['next']}</h2><p>{escape(self.next_step)}</p>")
        if self.deadline:
            out.append(f"<h2>{h['deadline']}</h2><p><strong>{escape(self.deadline)}</strong></p>")
        return "\n".join(out)

    def html(self) -> str:
        return _page(self.language, self.subject, f"<main>\n{self.body_html()}\n</main>", SCREEN_CSS)


SCREEN_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;font-size:18px;line-height:1.5;color:#1a1a1a;max-width:40em;"
    "margin:0 auto;padding:1em}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.5em}"
    ".impact{border-left:4px solid #0b6e4f;padding-left:.75em}footer{font-size:.9em;color:#444;margin-top:2em}"
)
PRINT_CSS = (
    "@page{size:A4;margin:20mm 20mm 25mm 25mm}body{font-family:Georgia,'Times New Roman',serif;font-size:12pt;"
    "line-height:1.45;color:#000}.address{margin:25mm 0 15mm 0;white-space:pre-line}.date{text-align:right}"
    "h1{font-size:15pt}h2{font-size:12.5pt;margin-top:8mm;page-break-after:avoid}"
    "@media screen{body{max-width:170mm;margin:1em auto}}"
)


def _page(language: str, title: str, body: str, css: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{css}</style>\n</head>\n<body>\n{body}\n"
        f"<footer><p>{escape(FOOTER[language])}</p></footer>\n</body>\n</html>\n"
    )


def email_text(rendered: Rendered) -> str:
    return f"{rendered.text()}\n\n--\n{FOOTER[rendered.language]}\n"


def letter_html(rendered: Rendered, address: tuple[str, ...], today: date) -> str:
    """A printable letter (A4, print CSS): the address block for a window envelope, the date, the message."""
    block = "\n".join(escape(line) for line in address)
    body = (
        f'<div class="address">{block}</div>\n<p class="date">{long_date(today, rendered.language)}</p>\n'
        f"<main>\n{rendered.body_html()}\n</main>"
    )
    return _page(rendered.language, rendered.subject, body, PRINT_CSS)
