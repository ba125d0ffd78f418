"""What the benchmarks share: the spread of a figure over repeated passes, and an open call for
proposals on a deployed proposals service."""

from __future__ import annotations

import statistics

import requests

from meemaken_testkit.tokens import bearer


def spread(values: list[float]) -> dict[str, float]:
    """min / median / max of a figure over the passes of one run."""
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1), "max": round(max(values), 1)}


def open_call(proposals_url: str, process_id: str, title: str) -> None:
    """A call for proposals open from 2020 to 2100, so that every submission is admitted."""
    phase = {"name": "call", "rung_promised": "adviseren"}
    phase |= {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2100-01-01T00:00:00+00:00"}
    process = {"id": process_id, "municipality": "bench", "title": title, "kind": "proposals_call", "phases": [phase]}
    answer = requests.post(
        f"{proposals_url}/api/v1/processes", json=process, headers=bearer("proposals", "case_officer"), timeout=30
    )
    assert answer.status_code in (200, 201), answer.text
