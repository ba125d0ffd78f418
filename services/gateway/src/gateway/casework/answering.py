"""What officials do to proposals, without the web: the positions and the decline grounds the proposals
service knows, one Idempotency-Key per proposal of a bulk answer, each outcome of a bulk answer, and a
split's parts read from the form's lines.

The proposals service decides who may do what; this only shapes the requests and their answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

POSITIONS = ("adopted", "partly", "not_adopted")
DECLINE_GROUNDS = ("not_competent", "unlawful", "already_decided", "not_a_proposal")
MAX_BULK = 50  # proposals one bulk answer takes
MAX_PARTS = 10


def idempotency_key(batch: str, proposal_id: str) -> str:
    """The same batch and proposal always give the same key: a form sent twice answers each proposal once."""
    return str(uuid.uuid5(uuid.UUID(batch), proposal_id))


def proposal_ids(values: list[str]) -> list[str] | None:
    """The chosen proposals, each once in the order given; None when one is not a proposal's id."""
    found: list[str] = []
    for value in values:
        try:
            pid = str(uuid.UUID(value))
        except ValueError:
            return None
        if pid not in found:
            found.append(pid)
    return found


@dataclass(frozen=True)
class Outcome:
    """One proposal of a bulk answer: answered, or refused with the service's status and reason."""

    proposal_id: str
    title: str
    status: int = 200  # the service's status; 0: it did not answer
    detail: str = ""

    @property
    def answered(self) -> bool:
        return self.status == 200


def summary(outcomes: list[Outcome]) -> tuple[list[Outcome], list[Outcome]]:
    """The answered ones and the refused ones, each in the order they were sent."""
    return [o for o in outcomes if o.answered], [o for o in outcomes if not o.answered]


def parts(text: str) -> list[tuple[str, str]]:
    """A split's parts from blocks separated by an empty line: the first line a title, the rest its text."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n")]
        if lines and lines[0]:
            found.append((lines[0], " ".join(line for line in lines[1:] if line)))
    return found
