"""A panels app on a database, with a clock, and helpers to drive it as coordinator and residents (each with a
token signed as the gateway signs it, with the development key)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from meemaken_events import Envelope
from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.tokens import bearer
from panels.adapters import tables
from panels.bootstrap import SERVICE, create_app, unit_of_work_factory, unit_of_work_within
from panels.domain.lottery import Artefacts
from panels.integration.incoming import eligibility_handlers
from panels.service_layer.handlers import compute_lottery

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
QUOTAS = {
    "gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}},
    "age": {"16-39": {"min": 2, "max": 4}, "40+": {"min": 2, "max": 4}},
}


class PanelCase:
    def __init__(self, database_url: str) -> None:
        migrate(SERVICE.migrations_dir, database_url)
        self.engine = make_engine(database_url)
        self.settings = Settings.from_env("panels", {"DATABASE_URL": database_url})
        self.now = NOW
        self.client = create_app(self.settings, self.engine, self.clock).test_client()
        self.uow = unit_of_work_factory(self.settings, self.engine, self.clock)
        self.within = unit_of_work_within(self.settings, self.clock)
        self.coordinator_id = uuid.uuid4()
        self.coordinator = bearer("panels", "panel_coordinator", sub=self.coordinator_id)

    def clock(self) -> datetime:
        return self.now

    def as_role(self, role: str, **options: Any) -> dict[str, str]:
        return bearer("panels", role, **options)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body if body is not None else {}, headers=headers or {})

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", headers=headers or {})

    def put(self, path: str, body: Any, headers: dict[str, str]) -> Any:
        return self.client.put(f"/api/v1{path}", json=body, headers=headers)

    def set_up(self, **changes: Any) -> str:
        body = {
            "question": "How should the old station square be used?",
            "theme": "public space",
            "mandate": "adviseren",
            "size": 6,
            "alternates": 2,
            "features": QUOTAS,
            "household_rule": True,
            "min_age": 16,
            "open_registration": True,
            **changes,
        }
        response = self.post("/panels", body, self.coordinator)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    def drawn(self, registrations: int = 24) -> tuple[str, Any, Artefacts]:
        """A panel set up, filled, closed, committed to a lottery of 50 panels and drawn with number 5."""
        panel = self.set_up()
        for i in range(registrations):
            self.register(panel, i)
        self.run_eligibility()
        self.post(f"/panels/{panel}/close", headers=self.coordinator)
        self.lottery(panel, 50)
        drawn = self.post(f"/panels/{panel}/draw", {"number": 5}, self.coordinator).get_json()
        artefacts = Artefacts.from_document(self.get(f"/panels/{panel}/artefacts").get_json()["artefacts"])
        return panel, drawn, artefacts

    def lottery(self, panel: str, panels: int) -> Any:
        """Ask for the lottery, then do the worker's job; the panel as it is afterwards."""
        asked = self.post(f"/panels/{panel}/lottery", {"panels": panels}, self.coordinator)
        assert asked.status_code == 202, asked.get_json()
        assert asked.get_json()["status"] == "computing"
        compute_lottery(self.uow())
        return self.get(f"/panels/{panel}").get_json()

    def register(
        self,
        panel: str,
        i: int,
        age: int | None = None,
        resident: bool = True,
        attrs: dict[str, Any] | None = None,
        **changes: Any,
    ) -> Any:
        """Resident ``i`` (the same person on every panel) registers, with the age and residence of their login."""
        body = {
            "address": f"Stationsstraat {i // 2}",
            "channel": "letter",
            "consent": True,
            "strata": {"gender": "female" if i % 2 else "male"},
            "contact": {"name": f"Resident {i}", "email": f"resident{i}@example.org", "language": "nl"},
            **changes,
        }
        verified = {"age": age if age is not None else (25 if i % 3 else 55), "resident": resident}
        return self.post(f"/panels/{panel}/registrations", body, self.resident(i, attrs or verified))

    @staticmethod
    def person(i: int) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:test:resident:{i}")

    def resident(self, i: int, attrs: dict[str, Any] | None = None) -> dict[str, str]:
        return bearer("panels", "resident", sub=self.person(i), attrs=attrs or {"age": 40, "resident": True})

    def outbox(self) -> list[Envelope]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(tables.outbox.c.envelope).order_by(tables.outbox.c.id)).all()
        return [Envelope.from_json(r.envelope) for r in rows]

    def outbox_text(self) -> str:
        with self.engine.connect() as conn:
            return json.dumps([r.envelope for r in conn.execute(sa.select(tables.outbox.c.envelope))])

    def run_eligibility(self) -> None:
        """Deliver every `registered` event to the eligibility consumer's handler, as the consumer loop does."""
        handler = next(iter(eligibility_handlers(self.within).values()))
        for envelope in self.outbox():
            if envelope.type.endswith("respondent.registered.v1"):
                with self.engine.begin() as conn:
                    handler(conn, envelope)
