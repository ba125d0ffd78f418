"""A person as notifications knows them: how to reach them and what they want to hear.

People are known by a pseudonymous id (a resident's or official's id, or a panel pseudonym);
their addresses live only here, are looked up when a message is sent, and never go into events
or logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.domain.messages import DEFAULT_LANGUAGE, LANGUAGES
from notifications.domain.routing import CHANNELS, TOPICS, Tell

DIGESTS = ("immediately", "daily", "weekly")
DEFAULT_CHANNELS = ("inapp", "email")


class InvalidPreferences(ValueError):
    """A preference outside what the service offers."""


@dataclass(frozen=True)
class Preferences:
    language: str = DEFAULT_LANGUAGE
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    digest: str = "immediately"
    muted_topics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidPreferences(f"language must be one of {', '.join(LANGUAGES)}")
        if not set(self.channels) <= set(CHANNELS):
            raise InvalidPreferences(f"channels must be among {', '.join(CHANNELS)}")
        if self.digest not in DIGESTS:
            raise InvalidPreferences(f"digest must be one of {', '.join(DIGESTS)}")
        if not set(self.muted_topics) <= set(TOPICS):
            raise InvalidPreferences(f"topics must be among {', '.join(TOPICS)}")


@dataclass(frozen=True)
class Contact:
    person_id: str
    email: str | None = None
    postal_address: tuple[str, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)


@dataclass(frozen=True)
class Plan:
    """How one person hears about one event: on which channels, and whether e-mail waits for the digest."""

    channels: tuple[str, ...]
    held_for_digest: bool = False


def plan(tell: Tell, topic: str, contact: Contact | None, has_inbox: bool) -> Plan:
    """Channels for this person. Legally required messages ignore opt-outs and digests, and reach the
    person on some channel they have (a letter when there is no e-mail address and no inbox)."""
    prefs = contact.preferences if contact else Preferences()
    reachable = {
        "inapp": has_inbox,
        "email": bool(contact and contact.email),
        "letter": bool(contact and contact.postal_address),
    }
    if tell.channels is not None:  # the route decides (panel invitations go by letter)
        chosen = tuple(c for c in tell.channels if reachable[c] or c == "letter")
        return Plan(chosen)
    if topic in prefs.muted_topics and not tell.legally_required:
        return Plan(())
    chosen = tuple(c for c in prefs.channels if reachable[c])
    if tell.legally_required:
        wanted = chosen or tuple(c for c in ("inapp", "email") if reachable[c])
        chosen = wanted or (("letter",) if reachable["letter"] else ())
        return Plan(chosen)
    return Plan(chosen, held_for_digest=prefs.digest != "immediately")
