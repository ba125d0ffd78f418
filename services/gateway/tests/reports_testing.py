"""The reports' scene in the gateway's database, shared by the page tests and the browser test: people who
logged in with attributes verified at the desk, and work items answered in time, late or still open."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.adapters.tables import people, verified_attributes
from gateway.casework.queue import change_for
from gateway.casework.store import apply

NOW = datetime.now(UTC)
PROPOSAL = "org.meemaken.proposals.proposal."


def _person(conn: Any, district: str | None, birthdate: date | None) -> None:
    pid = str(uuid.uuid4())
    conn.execute(people.insert().values(person_id=pid, reference=pid[:10], first_login_at=NOW, last_login_at=NOW))
    for attribute, value in (("district", district), ("birthdate", birthdate and birthdate.isoformat())):
        if value:
            conn.execute(
                verified_attributes.insert().values(
                    person_id=pid,
                    attribute=attribute,
                    value=value,
                    verified_by=str(uuid.uuid4()),
                    verified_role="case_officer",
                    verified_at=NOW,
                )
            )


def seed(engine: Any) -> None:
    """12 people verified in noord (aged 35), 3 in zuid; proposals answered in time, late and still open;
    a budget project reviewed; a challenge in assessment."""
    with engine.begin() as conn:
        for _ in range(12):
            _person(conn, "noord", date(NOW.year - 35, 1, 1))
        for _ in range(3):
            _person(conn, "zuid", None)
        for n, (answered_after, open_) in enumerate([(5, False), (30, False), (None, True)]):
            pid = str(uuid.uuid4())
            start = NOW - timedelta(days=40)
            data = {"proposal_id": pid, "process_id": "p", "title": f"Proposal {n}", "supporters": 300}
            data |= {"threshold": 300, "answer_due_at": (start + timedelta(days=20)).isoformat()}
            apply(conn, change_for(PROPOSAL + "threshold_reached.v1", data, start))
            if not open_:
                done = {"proposal_id": pid, "process_id": "p", "title": f"Proposal {n}"}
                apply(conn, change_for(PROPOSAL + "answered.v1", done, start + timedelta(days=answered_after)))
        rid = str(uuid.uuid4())  # a budget project reviewed: the municipality's own step, not an answer owed
        project = {"round_id": rid, "project_id": "p1", "title": "Benches", "district": "noord"}
        apply(conn, change_for("org.meemaken.proposals.round.project_added.v1", project, NOW - timedelta(days=9)))
        reviewed = {"round_id": rid, "project_id": "p1", "feasibility": "feasible"}
        apply(conn, change_for("org.meemaken.proposals.round.project_assessed.v1", reviewed, NOW))
        base = {"challenge_id": str(uuid.uuid4()), "task_id": str(uuid.uuid4()), "department": "mobility"}
        base |= {"profile": "nl", "representative_id": str(uuid.uuid4()), "at": NOW.isoformat()}
        moved = {**base, "from_status": "admissibility_check", "to_status": "in_assessment", "details": {}}
        apply(conn, change_for("org.meemaken.challenges.challenge.assessment_opened.v1", moved, NOW))
