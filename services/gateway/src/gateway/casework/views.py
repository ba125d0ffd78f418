"""A view of the work queue as plain Python: its filters, sorting and page read from a query string,
and each item's deadline flags, computed when the queue is read (never stored, so they are never stale).

A view is its canonical query string: what the GET form sends, what a saved view keeps, what the
page links to. Anything it does not know is refused by name, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from gateway.casework.queue import SERVICES
from meemaken_kit.deadlines import before, days, days_left

NEAR_BREACH = days(3)  # a deadline this close (meemaken_kit.deadlines) is near breach, whether or not a service warned
PAGE_SIZE = 25
MAX_PAGE = 2000
SORTS = ("due", "oldest", "newest", "title")
ASSIGNEES = ("me", "nobody")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,79}$")


@dataclass(frozen=True)
class View:
    service: str = ""
    state: str = ""
    department: str = ""
    district: str = ""
    assignee: str = ""
    overdue: bool = False
    sort: str = "due"
    page: int = 1

    def query(self, **changed: Any) -> str:
        """The canonical query string (defaults left out), with ``changed`` applied."""
        view = replace(self, **changed) if changed else self
        default = View()
        pairs = []
        for f in fields(View):
            value = getattr(view, f.name)
            if value != getattr(default, f.name):
                pairs.append((f.name, "1" if value is True else str(value)))
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return replace(self, sort="due", page=1) != View()


def read_view(args: Mapping[str, str]) -> tuple[View, dict[str, str]]:
    """The view a query string asks for, and what is wrong with it (field: problem code)."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    for name in ("service", "state", "department", "district", "assignee", "sort"):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        allowed = {"service": SERVICES, "assignee": ASSIGNEES, "sort": SORTS}.get(name)
        if (allowed is not None and raw not in allowed) or (allowed is None and not CODE.match(raw)):
            problems[name] = "unknown"
            continue
        values[name] = raw
    overdue = (args.get("overdue") or "").strip()
    if overdue not in ("", "1"):
        problems["overdue"] = "unknown"
    values["overdue"] = overdue == "1"
    page = (args.get("page") or "1").strip()
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        problems["page"] = "page"
    else:
        values["page"] = int(page)
    return View(**values), problems  # type: ignore[arg-type]


@dataclass(frozen=True)
class Deadline:
    """An item's deadline as read now: time left (negative when passed), the days of the municipality's
    calendar left (meemaken_kit.deadlines.days_left: 0 today, -2 two days late), and its flag."""

    due_at: datetime | None
    left: timedelta | None
    flag: str  # "breached", "near_breach", "on_time" or "none"
    days: int | None = None


def deadline(due_at: datetime | None, alert: str | None, now: datetime) -> Deadline:
    left = None if due_at is None else due_at - now
    if alert == "breached" or (left is not None and left <= timedelta(0)):
        flag = "breached"
    elif alert == "near_breach" or (due_at is not None and now >= before(due_at, NEAR_BREACH)):
        flag = "near_breach"
    else:
        flag = "none" if due_at is None else "on_time"
    return Deadline(due_at, left, flag, None if due_at is None else days_left(due_at, now))
