"""A challenges app on a real database with a clock the test moves, and helpers to drive it.

Every call carries a bearer token signed as the gateway signs it (the development key), for the
role the test names: one pseudonymous person per role, the representative with a resident's
verified attributes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from challenges.adapters import tables
from challenges.adapters.rulebook import criteria_sets
from challenges.bootstrap import SERVICE, create_app, unit_of_work_factory
from challenges.service_layer import handlers
from meemaken_events import Envelope
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.tokens import RESIDENT_ATTRS, bearer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBMISSION = {
    "why_better": "We already run the community centre next door and can open the library on Sundays.",
    "capacity_and_finances": "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
    "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
    "cost_estimate_cents": 9_500_000,
    "quality_guarantees": "Opening hours at least as today; yearly survey of users.",
    "continuity_and_exit": "Six months' notice; staff and keys return to the municipality.",
    "support_asked": "Use of the building free of rent.",
}


class ManualClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Case:
    """A test's view of the service: an HTTP client per role and the database behind it."""

    def __init__(self, database_url: str) -> None:
        migrate(SERVICE.migrations_dir, database_url)
        self.engine = make_engine(database_url)
        self.clock = ManualClock()
        self.settings = Settings.from_env("challenges", {"DATABASE_URL": database_url})
        self.client = create_app(self.settings, self.engine, self.clock).test_client()
        self.uow = unit_of_work_factory(self.settings, self.engine, self.clock)
        self.officer, self.decider, self.admin = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.resident, self.assessor = uuid.uuid4(), uuid.uuid4()  # the group's representative; the assessor
        self._tokens: dict[tuple[Any, ...], dict[str, str]] = {}

    def headers(self, role: str, who: uuid.UUID | None = None, **options: Any) -> dict[str, str]:
        """A token for `role` (`public`: none); residents and representatives with verified attributes."""
        if role == "public":
            return {}
        ids = {
            "case_officer": self.officer,
            "decision_body": self.decider,
            "administrator": self.admin,
            "group_representative": self.resident,
            "resident": self.resident,
            "assessor": self.assessor,
        }
        if role in ("group_representative", "resident"):
            options.setdefault("attrs", RESIDENT_ATTRS)
        key = (role, who, repr(sorted(options.items())))
        if key not in self._tokens:
            self._tokens[key] = bearer("challenges", role, sub=who or ids.get(role) or uuid.uuid4(), **options)
        return self._tokens[key]

    def post(self, path: str, role: str, body: Any = None, who: uuid.UUID | None = None, **options: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers(role, who, **options))

    def get(self, path: str, role: str = "public", who: uuid.UUID | None = None, **options: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers(role, who, **options))

    def task(self, profile: str, **changes: Any) -> str:
        body = {
            "title": "Public library De Linde",
            "description": "Running the neighbourhood library.",
            "department": "culture",
            "current_yearly_cost_cents": 12_000_000,
            "budget_cents": 11_000_000,
            "profile": profile,
            "eligible_legal_forms": ["vzw", "stichting", "charity"],
            "min_members": 5,
            "windows": [
                {
                    "opens_at": (START - timedelta(days=30)).isoformat(),
                    "closes_at": (START + timedelta(days=60)).isoformat(),
                }
            ],
            **changes,
        }
        response = self.post("/tasks", "case_officer", body)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    def draft(self, task_id: str, submission: dict[str, Any] | None = None) -> str:
        body = {
            "task_id": task_id,
            "group": {
                "name": "Buurtwerking De Linde",
                "legal_form": "vzw",
                "members_count": 35,
                "co_initiator_ids": [str(uuid.uuid4())],
            },
            "submission": SUBMISSION if submission is None else submission,
        }
        response = self.post("/challenges", "group_representative", body)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    def gate_check(self, challenge_id: str) -> None:
        """What the worker does on `submitted` (the Kafka path is tested end to end elsewhere)."""
        handlers.check_admissibility(self.uow(), uuid.UUID(challenge_id))

    def fire_timers(self) -> int:
        return handlers.fire_due_timers(self.uow, self.clock())

    def status(self, challenge_id: str) -> str:
        return str(self.get(f"/challenges/{challenge_id}", "case_officer").get_json()["status"])

    def events(self, challenge_id: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(tables.outbox.c.envelope).order_by(tables.outbox.c.id)).scalars()
            envelopes = [Envelope.from_json(r) for r in rows]
        prefix = "org.meemaken.challenges.challenge."
        return [e.type[len(prefix) : -3] for e in envelopes if e.key == challenge_id]

    def envelopes(self, challenge_id: str) -> list[Envelope]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(tables.outbox.c.envelope).order_by(tables.outbox.c.id)).scalars()
            return [e for e in (Envelope.from_json(r) for r in rows) if e.key == challenge_id]

    def counts(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (tables.outbox, tables.documents, tables.timers)
            )

    def assess(self, challenge_id: str, value: int) -> None:
        assert (
            self.post(
                f"/challenges/{challenge_id}/assessors", "case_officer", {"assessor_id": str(self.assessor)}
            ).status_code
            == 200
        )
        criteria = criteria_sets()[self.get(f"/challenges/{challenge_id}", "case_officer").get_json()["criteria_set"]]
        for criterion in (c.code for c in criteria.criteria):
            response = self.post(
                f"/challenges/{challenge_id}/scores",
                "assessor",
                # a score where the criteria are weighted; none where they are considered (England)
                {
                    "criterion": criterion,
                    "value": value if criteria.weighted else None,
                    "motivation": f"On {criterion}.",
                },
            )
            assert response.status_code == 200, response.get_json()
        gates = {
            code: {"passed": True, "motivation": "Checked with legal services."}
            for code in ("legally_feasible", "no_harm", "not_frivolous")
        }
        response = self.post(f"/challenges/{challenge_id}/decision-proposal", "case_officer", {"gates": gates})
        assert response.status_code == 200, response.get_json()
