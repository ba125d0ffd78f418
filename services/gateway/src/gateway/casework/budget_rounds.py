"""What officials do to a participatory budget round, without the web: the step each phase asks for, amounts
typed in euros read as the cents the proposals service keeps, lists of districts and budgets per part read
from the form's lines, one Idempotency-Key per project of a batch of reviews, and each review's outcome.

The proposals service decides who may do what and when; this only shapes the requests and their answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The phase step each phase asks for: the service's endpoint (v1/rounds/<id>/<step>) and the phase it needs.
STEPS = {"feasibility": "ideas", "voting": "feasibility", "close": "voting"}
NEXT_STEP = {phase: step for step, phase in STEPS.items()}
FORMS = ("approval", "k_approval", "cumulative", "ranking")
RULES = (
    "equalshares/add1",
    "equalshares",
    "equalshares/add1+greedy",
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
)
MAX_PROJECTS = 200  # projects one review page takes at once
MAX_CENTS = 10**13  # a hundred billion euros: more is a typing mistake

_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:([.,\s'])\d{3})?(?:\2\d{3})*|\d+)(?:[.,](?P<cents>\d{1,2}))?$", re.ASCII)


def cents(typed: str) -> int | None:
    """An amount typed in euros (``1500``, ``1.500``, ``1 500,50``, ``€ 1,500.50``) in cents; None if it is not one.

    A separator followed by three digits groups thousands; a last ``.`` or ``,`` with one or two digits
    after it starts the cents."""
    text = typed.replace("€", "").replace("\u00a0", " ").replace("\u202f", " ").strip()
    found = _AMOUNT.match(text)
    if found is None:
        return None
    whole = re.sub(r"\D", "", found["whole"])
    value = int(whole) * 100 + int((found["cents"] or "0").ljust(2, "0"))
    return value if value <= MAX_CENTS else None


def euros_typed(amount: int) -> str:
    """Cents as a form field shows them: whole euros without decimals, else with two (``1500`` or ``1500.50``)."""
    return str(amount // 100) if amount % 100 == 0 else f"{amount // 100}.{amount % 100:02d}"


def names(typed: str) -> list[str]:
    """Names on lines or separated by commas, each once, in the order typed."""
    found: list[str] = []
    for name in re.split(r"[,\n]", typed):
        name = " ".join(name.split())
        if name and name not in found:
            found.append(name)
    return found


def amounts(typed: str) -> tuple[dict[str, int], list[str]]:
    """``name: amount`` per line (a district's or a theme's budget); the lines that are not one, as typed."""
    found: dict[str, int] = {}
    wrong: list[str] = []
    for line in typed.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        name, _, amount = line.rpartition(":")
        value = cents(amount)
        name = " ".join(name.split())
        if not name or value is None or value < 1 or name in found or len(name) > 100:
            wrong.append(line.strip())
        else:
            found[name] = value
    return found, wrong


def pending(r: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The round's projects nobody has reviewed yet, in the order they came in."""
    return [p for p in r.get("projects", []) if p.get("feasibility") == "pending"]


def next_pending(r: Mapping[str, Any], after: str | None = None) -> dict[str, Any] | None:
    """The next project still to review (after ``after`` in the round's order, else from the start)."""
    waiting = pending(r)
    ids = [p["id"] for p in r.get("projects", [])]
    if after in ids:
        later = [p for p in waiting if ids.index(p["id"]) > ids.index(after)]
        waiting = later or waiting
    return waiting[0] if waiting else None


def is_key(value: str) -> bool:
    """Whether a confirmation page's key came back as it was given (a UUID)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def idempotency_key(batch: str, project_id: str) -> str:
    """The same batch and project always give the same key: a batch of reviews sent twice records each once."""
    return str(uuid.uuid5(uuid.UUID(batch), project_id))


@dataclass(frozen=True)
class Review:
    """One project's review as the service takes it: feasible or not, the officials' cost, the legal check."""

    project_id: str
    feasible: bool
    cost: int
    legal_check: str
    reason: str = ""
    jury_score: float | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"feasible": self.feasible, "cost": self.cost, "legal_check": self.legal_check}
        body["reason"] = self.reason
        if self.jury_score is not None:
            body["jury_score"] = self.jury_score
        return body


@dataclass(frozen=True)
class Outcome:
    """One review of a batch: recorded, or refused with the service's status (0: it did not answer) and why."""

    project_id: str
    title: str
    status: int = 200
    detail: str = ""

    @property
    def recorded(self) -> bool:
        return self.status == 200


def split(outcomes: Sequence[Outcome]) -> tuple[list[Outcome], list[Outcome]]:
    """The recorded ones and the refused ones, each in the order they were sent."""
    return [o for o in outcomes if o.recorded], [o for o in outcomes if not o.recorded]
