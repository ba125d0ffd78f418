"""The notifications service's contact store, seen from here: where panel letters and e-mails get their
addresses. Contacts go there by HTTP (never in events) and are removed there when the privacy schedule
deletes ours.

``PUT {notifications}/api/v1/people/{pseudonym}/contact`` and ``DELETE`` the same, with this service's own
credentials: a token for the audience ``notifications`` with the one scope ``contacts:write`` (see
``meemaken_kit.credentials.SERVICE_GRANTS``), never a fixed well-known identity.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from meemaken_events import TransientError
from meemaken_kit.credentials import ServiceCredentials

AUDIENCE, SCOPE = "notifications", "contacts:write"
LANGUAGES = ("nl", "fr", "en")


def contact_body(contact: Mapping[str, Any]) -> dict[str, Any]:
    """Our identity record as the contact store takes it: e-mail, the letter's address lines, language."""
    lines = [str(contact[k]).strip() for k in ("name", "address", "postal_address") if contact.get(k)]
    language = str(contact.get("language", "nl")).lower()
    body: dict[str, Any] = {
        "postal_address": [line[:100] for line in lines][:6],
        "language": language if language in LANGUAGES else "nl",
        "channels": ["email", "letter"] if contact.get("email") else ["letter"],
    }
    if contact.get("email"):
        body["email"] = str(contact["email"]).strip()
    return body


class HttpDirectory:
    def __init__(self, base_url: str, credentials: ServiceCredentials, timeout: float = 10.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.credentials = credentials

    def headers(self) -> dict[str, str]:
        """This service's own narrow token for the contact store (cached until shortly before it expires)."""
        try:
            token = self.credentials.headers(AUDIENCE, SCOPE)
        except (OSError, ValueError, KeyError) as error:  # the gateway's token endpoint away or confused
            raise TransientError(f"no credentials for the contact store: {type(error).__name__}") from None
        return {**token, "Content-Type": "application/json"}

    def put(self, pseudonym: str, contact: Mapping[str, Any]) -> None:
        self._call("PUT", pseudonym, json.dumps(contact_body(contact)).encode())

    def delete(self, pseudonym: str) -> None:
        self._call("DELETE", pseudonym, None)

    def _call(self, method: str, pseudonym: str, body: bytes | None) -> None:
        url = f"{self.base_url}/api/v1/people/{urllib.parse.quote(pseudonym, safe='')}/contact"
        request = urllib.request.Request(url, data=body, headers=self.headers(), method=method)  # noqa: S310 (configured URL)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 (configured URL)
                return
        except urllib.error.HTTPError as error:
            if method == "DELETE" and error.code == 404:
                return  # nothing there: what we wanted
            raise TransientError(f"contact store answered {error.code} to {method}") from None
        except (urllib.error.URLError, OSError) as error:
            raise TransientError(f"contact store unreachable: {type(error).__name__}") from None
