"""The automatic admissibility check: the rules a proposal must meet before anyone reads it.

What needs judgment (competence, legality) is an official's check, later; these rules only
catch what a machine can decide fairly and explain in one sentence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from proposals.domain.model import RejectionReason
from proposals.domain.process import ParticipationProcess, ProcessKind

TAKES_PROPOSALS = (ProcessKind.PROPOSALS_CALL, ProcessKind.CONSULTATION, ProcessKind.BUDGET_ROUND)

TITLE_MIN, TITLE_MAX = 10, 120
TEXT_MIN, TEXT_MAX = 30, 5000


def title_key(title: str) -> str:
    """The title as compared for duplicates: no case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", letters).split())


def check_process(process: ParticipationProcess | None, submitted_at: datetime) -> tuple[RejectionReason, ...]:
    """The process must exist, take proposals, and be in one of its phases when the proposal came in."""
    if process is None:
        return (RejectionReason("unknown_process", "There is no participation process with this name."),)
    if process.kind not in TAKES_PROPOSALS:
        return (RejectionReason("process_takes_no_proposals", f"A {process.kind.value} process takes no proposals."),)
    if process.phase_at(submitted_at) is None:
        return (RejectionReason("process_closed", "The process was not open for proposals at that moment."),)
    return ()


def text_key(text: str) -> str:
    """The text as compared for copies: normalised like a title, then hashed (texts are long)."""
    return hashlib.sha256(title_key(text).encode()).hexdigest()[:32]


# Proposals are public: contact details and identity numbers do not belong in them.
PERSONAL_DATA = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"  # e-mail
    r"|(?:\+|00)\d{2}[\d\s/.-]{7,14}\d"  # international phone number
    r"|\b0\d{1,3}(?:[\s/.-]?\d{2,3}){2,4}\b"  # local phone number
    r"|\b\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}\b"  # Belgian national number
)


def check(title: str, text: str, earlier_in_process: Iterable[tuple[str, str]]) -> tuple[RejectionReason, ...]:
    """Every rule the proposal's own title and text break, as coded reasons; empty means admissible.

    `earlier_in_process` are (title, text) of proposals submitted before in the same process and not
    rejected (the repository may narrow them to those sharing a title or text key)."""
    earlier = list(earlier_in_process)
    reasons: list[RejectionReason] = []
    title, text = title.strip(), text.strip()
    if len(title) < TITLE_MIN:
        reasons.append(RejectionReason("title_too_short", f"The title needs at least {TITLE_MIN} characters."))
    if len(title) > TITLE_MAX:
        reasons.append(RejectionReason("title_too_long", f"The title may have at most {TITLE_MAX} characters."))
    if len(text) < TEXT_MIN:
        reasons.append(RejectionReason("text_too_short", f"The text needs at least {TEXT_MIN} characters."))
    if len(text) > TEXT_MAX:
        reasons.append(RejectionReason("text_too_long", f"The text may have at most {TEXT_MAX} characters."))
    letters = [c for c in title if c.isalpha()]
    if len(letters) >= 10 and all(c.isupper() for c in letters):
        reasons.append(RejectionReason("shouting", "Please write the title in normal case, not all capitals."))
    if PERSONAL_DATA.search(title) or PERSONAL_DATA.search(text):
        reasons.append(
            RejectionReason(
                "personal_data", "Proposals are public: please remove e-mail addresses, phone or identity numbers."
            )
        )
    key = title_key(title)
    if key and any(title_key(other) == key for other, _ in earlier):
        reasons.append(
            RejectionReason("duplicate_title", "A proposal with the same title was already submitted in this process.")
        )
    elif title_key(text) and any(text_key(other) == text_key(text) for _, other in earlier):
        reasons.append(
            RejectionReason("duplicate_text", "A proposal with the same text was already submitted in this process.")
        )
    return tuple(reasons)
