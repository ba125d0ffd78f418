"""Home: the municipality's open processes with the rung each promises, their deadlines, and "you said,
we did" (earlier proposals the municipality answered).

Calls ``GET proposals v1/processes?municipality=`` and ``GET proposals v1/proposals?status=answered``,
anonymously or as the signed-in resident (both public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response

from gateway.backends import ServiceError, api
from gateway.context import gateway
from gateway.portal import parsed, portal
from gateway.web import page
from meemaken_kit.auth import public

SAID_AND_DONE = 3


@dataclass(frozen=True)
class OpenProcess:
    """A process as the home page shows it: the phase running now (or next), its rung and its end."""

    id: str
    title: str
    kind: str
    phase: str
    rung: str
    starts_at: datetime
    ends_at: datetime
    running: bool


def current_phase(process: dict[str, Any], now: datetime) -> OpenProcess | None:
    """The phase running at ``now``, else the next one to start; None when every phase has ended."""
    phases = sorted(process.get("phases", []), key=lambda p: p["starts_at"])
    for phase in phases:
        starts, ends = parsed(phase["starts_at"]), parsed(phase["ends_at"])
        assert starts is not None and ends is not None
        if ends <= now:
            continue
        return OpenProcess(
            process["id"],
            process["title"],
            process["kind"],
            phase["name"],
            phase.get("rung_realised") or phase["rung_promised"],
            starts,
            ends,
            starts <= now,
        )
    return None


def municipality_processes() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api().get(
        "proposals", "v1/processes", {"municipality": gateway().settings.municipality}
    )
    return found


@portal.get("/")
@public
def home() -> Response:
    now = datetime.now(UTC)
    try:
        processes = municipality_processes()
    except ServiceError:  # the front door stays open (200): it says what it cannot show
        return page("portal/home.html", unavailable=True, open_processes=[], answered=[])
    shown = [p for p in (current_phase(process, now) for process in processes) if p is not None]
    shown.sort(key=lambda p: (not p.running, p.ends_at if p.running else p.starts_at))
    ours = {p["id"]: p["title"] for p in processes}
    try:
        answered = api().get("proposals", "v1/proposals", {"status": "answered", "limit": 20})
    except ServiceError:
        answered = []
    said_and_done = [p for p in answered if p["process_id"] in ours][:SAID_AND_DONE]
    return page(
        "portal/home.html",
        unavailable=False,
        open_processes=[p for p in shown if p.running],
        upcoming=[p for p in shown if not p.running],
        answered=said_and_done,
        process_titles=ours,
    )
