"""Budget rounds in the real proposals service for the portal's tests: one open round per ballot form
(approval within the budget with a district budget, k-approval, cumulative points, ranking), a round still
collecting ideas, and a counted round with results, all in the demo municipality.

Amounts are euro cents, as the service keeps them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from portal_testing import ProposalsService, phase

from meemaken_testkit.tokens import bearer

VOTER = {"age": 40, "municipality": "demo", "resident": True, "district": "centrum"}
PROJECTS = [  # title, cost, district, theme
    ("Trees on the market square", 4_000_000, None, None),
    ("Benches in every park", 3_000_000, None, None),
    ("Bicycle racks at the station", 2_500_000, None, None),
    ("A playground in centrum", 1_500_000, "centrum", None),
    ("Lights on the centrum footpaths", 800_000, "centrum", None),
    ("A garden in noord", 1_000_000, "noord", None),
    ("Flower meadows along the ring road", 700_000, None, "green"),
]
PARTS = {"district_budgets": {"centrum": 2_000_000, "noord": 1_500_000}, "theme_budgets": {"green": 1_000_000}}
SMALL = [
    ("Water fountains", 500_000, None, None),
    ("Book boxes", 200_000, None, None),
    ("A mural", 900_000, None, None),
]


def officer() -> dict[str, str]:
    return bearer("proposals", "case_officer")


def open_round(
    service: ProposalsService,
    title: str,
    form: dict[str, Any],
    projects: list[tuple[str, int, str | None, str | None]],
    budget: int = 12_000_000,
    vote: bool = True,
    **changes: Any,
) -> str:
    """A round of the budget process with its projects assessed feasible and, with ``vote``, voting open."""
    body = {"process_id": "budget-2027", "title": title, "budget": budget, "rule": "greedy", "form": form} | changes
    created = service.client.post("/api/v1/rounds", json=body, headers=officer())
    assert created.status_code == 201, created.get_json()
    rid = str(created.get_json()["id"])
    for name, cost, district, theme in projects:
        about = f"{name}: what residents proposed, where it would be and who it is for."
        idea = {"title": name, "cost": cost, "district": district, "theme": theme, "description": about}
        added = service.client.post(f"/api/v1/rounds/{rid}/projects", json=idea, headers=officer())
        assert added.status_code == 201, added.get_json()
    if not vote:
        return rid
    assert service.client.post(f"/api/v1/rounds/{rid}/feasibility", headers=officer()).status_code == 200
    for n, (_name, cost, _d, _t) in enumerate(projects, 1):
        check = {"feasible": True, "cost": cost, "legal_check": "Public land; the cost estimate is the municipality's."}
        assessed = service.client.post(f"/api/v1/rounds/{rid}/projects/p{n}/assessment", json=check, headers=officer())
        assert assessed.status_code == 200, assessed.get_json()
    opened = service.client.post(f"/api/v1/rounds/{rid}/voting", json={}, headers=officer())
    assert opened.status_code == 200, opened.get_json()
    return rid


def cast(service: ProposalsService, rid: str, ballot: dict[str, Any], voter: uuid.UUID | None = None) -> None:
    sent = service.client.put(
        f"/api/v1/rounds/{rid}/ballot", json=ballot, headers=bearer("proposals", "resident", sub=voter, attrs=VOTER)
    )
    assert sent.status_code in (200, 201), sent.get_json()


def close_and_count(service: ProposalsService, rid: str) -> None:
    """What the tally consumer does when the `closed` event arrives (no Kafka here)."""
    from proposals.service_layer import budgets

    assert service.client.post(f"/api/v1/rounds/{rid}/close", headers=officer()).status_code == 200
    budgets.tally_round(service.uow(), uuid.UUID(rid))


def budget_scene(service: ProposalsService) -> dict[str, str]:
    """The demo municipality's citizens' budget: a round per ballot form, one coming, one with results."""
    now = datetime.now(UTC)
    service.define(
        "budget-2027",
        "Citizens' budget 2027",
        "meebeslissen",
        kind="budget_round",
        support_threshold=None,
        phases=[phase("voting", now - timedelta(days=5), now + timedelta(days=25), "meebeslissen")],
    )
    ids = {
        "approval": open_round(service, "Citizens' budget 2027", {"kind": "approval"}, PROJECTS, **PARTS),
        "k_approval": open_round(service, "Small projects: choose two", {"kind": "k_approval", "k": 2}, SMALL),
        "cumulative": open_round(service, "Small projects: points", {"kind": "cumulative", "points": 10}, SMALL),
        "ranking": open_round(service, "Small projects: in order", {"kind": "ranking", "k": 3}, SMALL),
        "coming": open_round(service, "Ideas for 2028", {"kind": "approval"}, SMALL[:1], vote=False),
    }
    done = open_round(service, "Citizens' budget 2026", {"kind": "approval"}, PROJECTS, **PARTS)
    for ballot in (["p1", "p2"], ["p1", "p3"], ["p1", "p4"], ["p2", "p3"], ["p5", "p7"], ["p4"]):
        cast(service, done, {"projects": ballot})
    close_and_count(service, done)
    ids["results"] = done
    return ids
