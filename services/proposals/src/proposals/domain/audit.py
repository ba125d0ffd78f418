"""Who did a step, for the audit: a pseudonymous id and the role they acted in. Never a name."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class ActedBy:
    """An official (or the resident who started something) as the audit records them."""

    id: UUID
    role: str

    def as_data(self) -> dict[str, str]:
        """As events carry it: ``{"id": "<uuid>", "role": "case_officer"}``."""
        return {"id": str(self.id), "role": self.role}
