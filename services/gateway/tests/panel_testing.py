"""Citizen panels in the real panels service for the portal's tests: its app on a fresh SQLite database, served
on a local port, and a scene of panels in several stages: one taking registrations from letters and from
anyone (with a register extract whose reply-card codes were all drawn), one for letters only, and one drawn
with a published seed, at work, with recommendations, one answered and one awaiting its answer.

What the worker does (the eligibility check on `registered`, the lottery's computation) is done here by calling
the same handlers, since no Kafka runs in these tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from served import ServedService

from meemaken_testkit.tokens import bearer

QUOTAS = {
    "gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}},
    "age_band": {"16-39": {"min": 2, "max": 4}, "40+": {"min": 2, "max": 4}},
}
CODES = ("GROEN-0001", "GROEN-0002", "GROEN-0003", "GROEN-0004")
REGISTER = "\n".join(
    ["register_id,name,address,birth_year,gender"]
    + [f"{code},Resident {i},Kerkstraat {i},{1960 + i},{'female' if i % 2 else 'male'}" for i, code in enumerate(CODES)]
)
SEED = "Raadzaal, 3 november: 4-7-1"


def coordinator() -> dict[str, str]:
    return bearer("panels", "panel_coordinator")


class PanelsService(ServedService):
    """The panels service on a port: ``set_up``, ``fill``, ``draw`` and ``deliberate`` set the scene."""

    package = "panels"

    def __init__(self, folder: Path) -> None:
        super().__init__(f"sqlite:///{folder / 'panels.sqlite'}")

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        answer = self.client.post(f"/api/v1/panels{path}", json=body or {}, headers=headers or coordinator())
        assert answer.status_code in (200, 201, 202), answer.get_json()
        return answer.get_json()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/panels{path}", headers=coordinator()).get_json()

    def set_up(self, theme: str, **changes: Any) -> str:
        body = {
            "question": "How should the old station square be used?",
            "theme": theme,
            "mandate": "adviseren",
            "size": 6,
            "alternates": 2,
            "features": QUOTAS,
            "household_rule": True,
            "min_age": 16,
            "open_registration": True,
            "session_plan": ["Getting to know each other and the question", "Experts and witnesses", "Deliberation"],
        } | changes
        return str(self.post("", body)["id"])

    def invite_all(self, panel: str) -> None:
        """The register extract with the reply-card codes, and the invitation lottery drawing every one of them."""
        imported = self.client.post(
            f"/api/v1/panels/{panel}/register-extract?strata=gender",
            data=REGISTER,
            content_type="text/csv",
            headers=coordinator(),
        )
        assert imported.status_code == 200, imported.get_json()
        self.post(f"/{panel}/invitations", {"count": len(CODES), "seed": 7})

    def check(self, panel: str, pseudonym: str) -> str:
        """The eligibility consumer's work on one `registered` event; the registration's status after it."""
        from panels.service_layer.handlers import check_eligibility

        checked = check_eligibility(self.uow(), uuid.UUID(panel), pseudonym)
        assert checked is not None
        return checked.status

    def pseudonyms(self, panel: str, status: str | None = None) -> list[str]:
        """The respondents of a panel's pool (with ``status`` only), as its database holds them."""
        import sqlalchemy as sa

        from panels.adapters.tables import respondents

        query = sa.select(respondents.c.pseudonym).where(respondents.c.panel_id == uuid.UUID(panel))
        if status is not None:
            query = query.where(respondents.c.status == status)
        with self.engine.connect() as conn:
            return [row.pseudonym for row in conn.execute(query)]

    def check_waiting(self, panel: str) -> list[str]:
        """The eligibility check of every registration still waiting for it (the consumer's work); their outcomes."""
        return [self.check(panel, pseudonym) for pseudonym in self.pseudonyms(panel, "registered")]

    def fill(self, panel: str, people: int = 24) -> None:
        """``people`` residents register in the open and are admitted."""
        for i in range(people):
            body = {
                "channel": "open",
                "consent": True,
                "address": f"Stationsstraat {i}",
                "strata": {"gender": "female" if i % 2 else "male"},
            }
            who = bearer("panels", "resident", attrs={"age": 25 if i % 3 else 55, "resident": True})
            self.check(panel, self.post(f"/{panel}/registrations", body, who)["pseudonym"])

    def draw(self, panel: str, panels: int = 50) -> dict[str, Any]:
        """Close the pool, compute the lottery (the worker's job) and draw it with the published seed."""
        from panels.service_layer.handlers import compute_lottery

        self.post(f"/{panel}/close")
        self.post(f"/{panel}/lottery", {"panels": panels})
        compute_lottery(self.uow())
        return dict(self.post(f"/{panel}/draw", {"seed": SEED}))

    def deliberate(self, panel: str) -> None:
        """Two sessions, the contributions, two recommendations and the municipality's answer to the first."""
        members = self.get(f"/{panel}")["selected"]
        start = datetime.now(UTC) + timedelta(days=7)
        for n, title in enumerate(("Experts and witnesses", "Deliberation in small groups"), 1):
            session = {
                "title": title,
                "starts_at": (start + timedelta(days=7 * n)).isoformat(),
                "moderator": "Stichting Samen Praten",
                "experts": ["Dr. Lena Vos, urban heat"] if n == 1 else [],
                "materials": ["Heat map of the city centre"],
            }
            self.post(f"/{panel}/sessions", session)
        spoke = {m: 3 + i for i, m in enumerate(members)}
        answered = self.client.put(
            f"/api/v1/panels/{panel}/sessions/1/contributions", json={"counts": spoke}, headers=coordinator()
        )
        assert answered.status_code == 200, answered.get_json()
        recommendations = [
            {
                "text": "Plant forty trees on the square.",
                "support": 5,
                "against": 1,
                "abstain": 0,
                "minority_positions": ["Keep room for the market."],
            },
            {"text": "Close the square to cars on Sundays.", "support": 4, "against": 1, "abstain": 1},
        ]
        self.post(f"/{panel}/recommendations", {"recommendations": recommendations, "answer_within_days": 60})
        answer = {"verdict": "partly", "reasons": "Thirty trees fit next to the market; the council adds them in 2027."}
        self.post(f"/{panel}/recommendations/1/answer", answer, bearer("panels", "decision_body"))


def panel_scene(service: PanelsService) -> dict[str, str]:
    """A panel taking registrations (letters and open), one for letters only, one drawn and at work."""
    ids = {
        "open": service.set_up("A greener city centre", question="How do we make the city centre greener and cooler?")
    }
    service.invite_all(ids["open"])
    ids["letters"] = service.set_up(
        "The new library", question="What should the new library offer?", open_registration=False
    )
    ids["drawn"] = service.set_up("The old station square")
    service.fill(ids["drawn"])
    service.draw(ids["drawn"])
    service.deliberate(ids["drawn"])
    return ids
