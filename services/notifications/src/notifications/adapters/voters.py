"""A round's voters, asked of the proposals service page by page: they are too many for an event.

``GET {proposals}/api/v1/rounds/{round_id}/voters?limit=N&after=CURSOR`` answers
``{"voters": ["<pseudonymous id>", ...], "next": "<cursor>" | null}``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from meemaken_events import TransientError

# Who asks: this service, in the role the proposals service lets read who voted (never what).
SERVICE_HEADERS = {
    "X-Meemaken-Role": "service",
    "X-Meemaken-Actor": str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:meemaken:service:notifications")),
}


class HttpVoters:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def page(self, role: str, data: dict[str, Any], cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        query = {"limit": str(limit), **({"after": cursor} if cursor else {})}
        round_id = urllib.parse.quote(str(data["round_id"]), safe="")
        url = f"{self.base_url}/api/v1/rounds/{round_id}/voters?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, headers=SERVICE_HEADERS)  # noqa: S310 (configured URL)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                body = json.load(response)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TransientError(f"voters of round {data['round_id']}: {exc}") from exc
        return [str(v) for v in body["voters"]], body.get("next")
