"""The portal's test helpers: the real proposals service (its app on a fresh SQLite database, served on a
local port), processes on several rungs, proposals in each state, and the gateway pointed at it.

The gateway calls it exactly as in production: over HTTP, with the tokens it mints (the services verify
them against this machine's development key, as the gateway signs them in development)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from served import ServedService

from meemaken_testkit.tokens import bearer

TEXT = "Close the street in front of the school for cars at the start and end of every school day."
RESIDENT = {"age": 40, "municipality": "demo", "resident": True, "district": "centrum"}


def phase(name: str, starts: datetime, ends: datetime, rung: str) -> dict[str, str]:
    return {"name": name, "starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "rung_promised": rung}


class ProposalsService(ServedService):
    """The proposals service on a port: ``define``, ``submit``, ``admit``, ``answer`` set the scene."""

    package = "proposals"

    def __init__(self, folder: Path) -> None:
        super().__init__(f"sqlite:///{folder / 'proposals.sqlite'}")

    def define(self, process_id: str, title: str, rung: str = "adviseren", **changes: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        body = {
            "id": process_id,
            "municipality": "demo",
            "title": title,
            "kind": "proposals_call",
            "support_threshold": 3,
            "phases": [phase("ideas", now - timedelta(days=10), now + timedelta(days=30), rung)],
        } | changes
        created = self.client.post("/api/v1/processes", json=body, headers=bearer("proposals", "case_officer"))
        assert created.status_code == 201, created.get_json()
        return dict(created.get_json())

    def submit(self, process_id: str, title: str, author: uuid.UUID | None = None, text: str = TEXT) -> str:
        body = {"process_id": process_id, "title": title, "text": f"{title}. {text}"}
        created = self.client.post(
            "/api/v1/proposals", json=body, headers=bearer("proposals", "resident", sub=author, attrs=RESIDENT)
        )
        assert created.status_code == 201, created.get_json()
        return str(created.get_json()["id"])

    def admit(self, proposal_id: str) -> None:
        """What the admissibility consumer does when the submitted event arrives (no Kafka here)."""
        from proposals.service_layer import handlers

        checked = handlers.check_admissibility(uuid.UUID(proposal_id), self.uow())
        assert checked.status.value == "admitted", checked.reasons

    def support(self, proposal_id: str, times: int) -> None:
        for _ in range(times):
            supported = self.client.post(
                f"/api/v1/proposals/{proposal_id}/support", headers=bearer("proposals", "resident", attrs=RESIDENT)
            )
            assert supported.status_code == 200, supported.get_json()

    def answer(self, proposal_id: str, position: str, reasons: str) -> None:
        answered = self.client.post(
            f"/api/v1/proposals/{proposal_id}/answer",
            json={"position": position, "reasons": reasons},
            headers=bearer("proposals", "case_officer"),
        )
        assert answered.status_code == 200, answered.get_json()

    def get(self, proposal_id: str) -> dict[str, Any]:
        return dict(self.client.get(f"/api/v1/proposals/{proposal_id}").get_json())


@pytest.fixture()
def proposals_service(tmp_path: Path) -> Iterator[ProposalsService]:
    folder = tmp_path / "proposals"
    folder.mkdir()
    with ProposalsService(folder) as service:
        yield service


def demo_scene(service: ProposalsService) -> dict[str, str]:
    """A living municipality: two open processes on different rungs, one coming, proposals in each state."""
    service.define("mobility-2027", "Mobility plan 2027", "adviseren")
    service.define("parks-2027", "Greener parks", "meebeslissen", kind="consultation", support_threshold=None)
    later = datetime.now(UTC) + timedelta(days=60)
    service.define(
        "budget-2028",
        "Citizens' budget 2028",
        "meebeslissen",
        kind="budget_round",
        phases=[phase("ideas", later, later + timedelta(days=30), "meebeslissen")],
    )
    ids = {
        "open": service.submit("mobility-2027", "Safer school streets"),
        "answered": service.submit("mobility-2027", "More benches on the market square"),
        "checking": service.submit("parks-2027", "A playground in the north park"),
        "rejected": service.submit("mobility-2027", "SHOUTING ABOUT PARKING"),
    }
    service.admit(ids["open"])
    service.support(ids["open"], 2)
    service.admit(ids["answered"])
    service.support(ids["answered"], 3)
    service.answer(ids["answered"], "adopted", "Twelve benches will be placed this spring, as proposed.")
    from proposals.service_layer import handlers

    handlers.check_admissibility(uuid.UUID(ids["rejected"]), service.uow())
    return ids
