"""The Right to Challenge service for the portal's tests: its real app on a fresh PostgreSQL database, served
on a local port, a catalogue (a task open now, one opening later, one blocked), and the officials' side of a
case (the gate check the worker runs, an information request, a proposed change, a decision with its notice)
driven through its API with officials' tokens, as the casework does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from served import ServedService

from meemaken_testkit.tokens import bearer


def officer() -> dict[str, str]:
    """A case officer's fresh token (tokens live minutes: one per call, never one at import)."""
    return bearer("challenges", "case_officer")


def decider() -> dict[str, str]:
    return bearer("challenges", "decision_body")


PLAN = {
    "why_better": "We run the bicycle repair shop next door and can open the parking on Sundays.",
    "quality_guarantees": "Opening hours at least as today; a yearly survey of the users.",
    "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
    "continuity_and_exit": "Six months' notice; the keys and the equipment return to the municipality.",
}


def window(start_days: int, end_days: int) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "opens_at": (now + timedelta(days=start_days)).isoformat(),
        "closes_at": (now + timedelta(days=end_days)).isoformat(),
    }


class ChallengesService(ServedService):
    """The challenges service on a port; ``task``, ``gate_check``, ``ask``, ``propose``, ``decide`` set the scene."""

    package = "challenges"

    def task(self, title: str, **changes: Any) -> str:
        body = {
            "title": title,
            "description": f"{title}: opening, supervision and small repairs, today done by the municipality.",
            "department": "mobility",
            "current_yearly_cost_cents": 11_000_000,
            "budget_cents": 9_500_000,
            "profile": "flanders",
            "eligible_legal_forms": ["vzw", "cooperatie"],
            "min_members": 3,
            "windows": [window(-10, 60)],
        } | changes
        created = self.client.post("/api/v1/tasks", json=body, headers=officer())
        assert created.status_code == 201, created.get_json()
        return str(created.get_json()["id"])

    def case(self, challenge_id: str) -> dict[str, Any]:
        return dict(self.client.get(f"/api/v1/challenges/{challenge_id}", headers=officer()).get_json())

    def gate_check(self, challenge_id: str) -> str:
        """What the worker does when the `submitted` event arrives (no Kafka here); the status after."""
        from challenges.service_layer import handlers

        handlers.check_admissibility(self.uow(), uuid.UUID(challenge_id))
        return str(self.case(challenge_id)["status"])

    def in_assessment(self, task_id: str) -> tuple[str, dict[str, str]]:
        """A complete challenge of the task sent by a group and through the gate check: its id, and the
        representative's headers (a fresh token, for the group's answers)."""
        challenge_id, headers = self.submitted(task_id)
        assert self.gate_check(challenge_id) == "in_assessment"
        return challenge_id, headers

    def submitted(self, task_id: str) -> tuple[str, dict[str, str]]:
        """A complete challenge of the task sent by a group, before the gate check (its id, the group's headers)."""
        representative = str(uuid.uuid4())
        group = {"name": "Fietswerking Station", "legal_form": "vzw", "members_count": 12}
        plan = PLAN | {
            "capacity_and_finances": "Twelve volunteers and two mechanics.",
            "cost_estimate_cents": 9_000_000,
        }
        headers = bearer("challenges", "group_representative", sub=representative, attrs={"age": 41, "resident": True})
        started = self.client.post(
            "/api/v1/challenges", json={"task_id": task_id, "group": group, "submission": plan}, headers=headers
        )
        challenge_id = str(started.get_json()["id"])
        assert (
            self.client.post(f"/api/v1/challenges/{challenge_id}/submit", json={}, headers=headers).status_code == 200
        )
        return challenge_id, headers

    def act(self, challenge_id: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        done = self.client.post(f"/api/v1/challenges/{challenge_id}/{path}", json=body, headers=headers or officer())
        assert done.status_code == 200, done.get_json()

    def accept(self, challenge_id: str) -> None:
        """A case in assessment scored by one assessor, consolidated with its judged gates met, accepted."""
        from challenges.adapters.rulebook import criteria_sets, profiles

        case = self.case(challenge_id)
        assessor = str(uuid.uuid4())
        self.act(challenge_id, "assessors", {"assessor_id": assessor})
        for criterion in criteria_sets()[case["criteria_set"]].criteria:
            score = {"criterion": criterion.code, "value": 3, "motivation": "Sound."}
            self.act(challenge_id, "scores", score, bearer("challenges", "assessor", sub=assessor))
        judged = [g.code for g in profiles()[case["profile"]].gates if not g.automatic]
        gates = {g: {"passed": True, "motivation": "Checked."} for g in judged}
        self.act(challenge_id, "decision-proposal", {"gates": gates})
        self.act(challenge_id, "decision", {"outcome": "accept", "motivation": "A sound plan."}, decider())

    def ask(self, challenge_id: str, question: str) -> None:
        self.act(challenge_id, "information-request", {"question": question})

    def propose(self, challenge_id: str, text: str) -> None:
        self.act(challenge_id, "modification", {"text": text})

    def reject(self, challenge_id: str) -> None:
        """The decision body decides on a case waiting for its decision: not accepted, on a coded ground."""
        body = {"outcome": "reject", "grounds": ["not_legally_feasible"], "motivation": "A tender is running."}
        self.act(challenge_id, "decision", body, decider())


def catalogue(service: ChallengesService) -> dict[str, str]:
    """A task open now, one that opens later, one that is blocked."""
    return {
        "open": service.task("Bicycle parking at the station"),
        "later": service.task("Cleaning the market square", windows=[window(30, 90)]),
        "blocked": service.task("Running the swimming pool", blocked_by="a tender is running until 2027"),
    }
