"""What My page does with a resident's own data, without any framework: how they want to hear from the
municipality (checked before the notifications service is asked), the one file of everything the services
hold about them, and what a request for deletion does now and what it leaves to the municipality.

The gateway keeps none of it, except the request for deletion itself (who asked, when)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CHANNELS = ("inapp", "email", "letter")
DIGESTS = ("immediately", "daily", "weekly")
LANGUAGES = ("nl", "fr", "en")
# The topics a resident may mute (the notifications service also knows ``work_queue``, which is for staff).
TOPICS = ("proposal", "budget", "panel", "challenge", "deadline")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ADDRESS_LINES, LINE_MAX, EMAIL_MAX = 6, 100, 320


@dataclass(frozen=True)
class Preferences:
    """How a resident wants to hear from the municipality, as they filled it in."""

    channels: tuple[str, ...] = ("inapp",)
    email: str = ""
    postal_address: tuple[str, ...] = ()
    language: str = "nl"
    digest: str = "immediately"
    muted_topics: tuple[str, ...] = ()
    kept_topics: tuple[str, ...] = field(default=())  # muted topics this form does not show (staff's)

    @classmethod
    def from_contact(cls, contact: Mapping[str, Any] | None, language: str) -> Preferences:
        """What the notifications service has on file, or the defaults: the inbox only, in the page's language."""
        if not contact:
            return cls(language=language if language in LANGUAGES else "nl")
        muted = tuple(contact.get("muted_topics") or ())
        return cls(
            channels=tuple(contact.get("channels") or ()),
            email=contact.get("email") or "",
            postal_address=tuple(contact.get("postal_address") or ()),
            language=contact.get("language") or "nl",
            digest=contact.get("digest") or "immediately",
            muted_topics=tuple(t for t in muted if t in TOPICS),
            kept_topics=tuple(t for t in muted if t not in TOPICS),
        )

    def problems(self) -> dict[str, str]:
        """Field -> what is wrong (a code the page words); empty when the notifications service may be asked."""
        found: dict[str, str] = {}
        if not self.channels or not set(self.channels) <= set(CHANNELS):
            found["channels"] = "no_channel"
        if self.email and (len(self.email) > EMAIL_MAX or not EMAIL.fullmatch(self.email)):
            found["email"] = "bad_email"
        elif "email" in self.channels and not self.email:
            found["email"] = "email_needed"
        if len(self.postal_address) > ADDRESS_LINES or any(len(line) > LINE_MAX for line in self.postal_address):
            found["postal_address"] = "address_too_long"
        elif "letter" in self.channels and len(self.postal_address) < 2:
            found["postal_address"] = "address_needed"
        if self.language not in LANGUAGES:
            found["language"] = "bad_language"
        if self.digest not in DIGESTS:
            found["digest"] = "bad_digest"
        if not set(self.muted_topics) <= set(TOPICS):
            found["muted_topics"] = "bad_topic"
        return found

    def contact_body(self) -> dict[str, Any]:
        """The body of ``PUT v1/people/{id}/contact``."""
        return {
            "channels": list(self.channels),
            "email": self.email or None,
            "postal_address": list(self.postal_address),
            "language": self.language,
            "digest": self.digest,
            "muted_topics": [*self.muted_topics, *self.kept_topics],
        }


def address_lines(text: str) -> tuple[str, ...]:
    """The lines of a postal address as typed, without blank lines or surrounding spaces."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


# What a request for deletion does at once, and what stays (and why), in the order the page says it.
ERASED_AT_ONCE = ("contact", "messages")
KEPT = ("proposals", "supports", "ballots", "challenges", "panels", "account")


@dataclass(frozen=True)
class DeletionRequest:
    """A resident's request to delete their data: recorded when asked, pending until the municipality handles it."""

    requested_at: datetime
    contact_erased_at: datetime | None

    def as_document(self) -> dict[str, Any]:
        return {
            "requested_at": self.requested_at.isoformat(),
            "status": "pending",
            "erased_at_once": {"notification_contact_and_messages": _iso(self.contact_erased_at)},
            "kept_until_the_municipality_handles_it": list(KEPT),
        }


def export_document(
    generated_at: datetime,
    account: Mapping[str, Any],
    parts: Mapping[str, Any],
    deletion: DeletionRequest | None,
) -> dict[str, Any]:
    """Everything the services hold about one resident, as one JSON document (``parts``: per service, what its
    API gave for them)."""
    return {
        "generated_at": generated_at.isoformat(),
        "about": (
            "Everything meemaken's services hold about you, as their APIs gave it when you asked. Your name, "
            "e-mail address from your login and national number are not here: the portal never stores them."
        ),
        "account": dict(account),
        **{name: parts[name] for name in sorted(parts)},
        "deletion_request": deletion.as_document() if deletion else None,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
