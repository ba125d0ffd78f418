"""The respondent pool: who registered, through which channel, and the eligibility check that admits them."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from panels.domain.sortition import Feature
from panels.domain.verified import VERIFIED_FEATURES


class Channel(StrEnum):
    """What reached the respondent: recorded for every respondent, reported per channel."""

    LETTER = "letter"  # the invitation lottery
    TARGETED = "targeted"  # outreach to groups that answer less (ambassadors, associations, social media)
    OPEN = "open"  # open self-registration, where the mandate allows


class Refusal(StrEnum):
    NO_CONSENT = "no_consent"
    TOO_YOUNG = "too_young"
    NOT_RESIDENT = "not_resident"
    ALREADY_SERVING = "already_serving"
    HOUSEHOLD_SERVING = "household_serving"
    NO_ADDRESS = "no_address"
    UNKNOWN_STRATUM = "unknown_stratum"
    OPEN_REGISTRATION_CLOSED = "open_registration_closed"
    NOT_INVITED = "not_invited"


def pseudonym(key: bytes, identity: str) -> str:
    """A keyed hash of an identity (register number, or a normalised address): stable for one municipality's
    key, meaningless without it. The identity itself stays in the identity store."""
    normal = unicodedata.normalize("NFKC", identity).casefold().strip()
    normal = " ".join(normal.split())
    return "p_" + hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()[:32]


def person_pseudonym(key: bytes, person_id: UUID) -> str:
    """A respondent's pseudonym: the keyed hash of the pseudonymous id the gateway's token carries. The same
    person has the same pseudonym on every panel (for the rule that nobody serves twice at once), and the
    published artefacts cannot be linked to their id elsewhere without this service's key."""
    return pseudonym(key, f"person:{person_id}")


@dataclass(frozen=True)
class Registration:
    """What eligibility looks at; age and residence (from the login) are checked here and never stored with
    the strata. ``invitation`` is the keyed hash of the code on the reply card, for the letter channel."""

    pseudonym: str
    household: str | None
    channel: Channel
    consent: bool
    age: int | None  # None: the panel needs no age, or the check has run and forgot it
    resident: bool
    strata: Mapping[str, str]
    invitation: str | None = None


@dataclass(frozen=True)
class Context:
    min_age: int
    household_rule: bool
    open_registration: bool
    features: tuple[Feature, ...]
    serving: frozenset[str]  # pseudonyms serving on a panel now
    serving_households: frozenset[str]
    invited: frozenset[str] | None = None  # None: no invitation lottery was held


def eligibility(registration: Registration, context: Context) -> tuple[Refusal, str] | None:
    """None when the respondent may enter the pool; otherwise the refusal and a plain-language reason."""
    r = registration
    if not r.consent:
        return Refusal.NO_CONSENT, "We need your consent to use your answers for the selection."
    if r.channel is Channel.OPEN and not context.open_registration:
        return Refusal.OPEN_REGISTRATION_CLOSED, "This panel only takes residents who received an invitation."
    if r.channel is Channel.LETTER and context.invited is not None and r.invitation not in context.invited:
        return Refusal.NOT_INVITED, "We found no invitation letter with this code; check the code on your reply card."
    if context.min_age > 0 and (r.age is None or r.age < context.min_age):
        return Refusal.TOO_YOUNG, f"Members must be at least {context.min_age} years old."
    if not r.resident:
        return Refusal.NOT_RESIDENT, "Members must live in the municipality."
    if r.pseudonym in context.serving:
        return Refusal.ALREADY_SERVING, "You already serve on a citizen panel; others get their turn first."
    if context.household_rule and not r.household:
        return Refusal.NO_ADDRESS, "We need your address to apply the rule of one member per household."
    if context.household_rule and r.household in context.serving_households:
        return Refusal.HOUSEHOLD_SERVING, "Someone at your address already serves on a citizen panel."
    for feature in context.features:
        value = r.strata.get(feature.name)
        if value not in feature.values and feature.name in VERIFIED_FEATURES:
            return (
                Refusal.UNKNOWN_STRATUM,
                f"This panel draws from {', '.join(sorted(feature.values))} for {feature.name}, and your login "
                "places you in none of them.",
            )
        if value not in feature.values:
            return (
                Refusal.UNKNOWN_STRATUM,
                f"Please choose one of {', '.join(sorted(feature.values))} for {feature.name}.",
            )
    return None


class Registered(TypedDict):
    """Respondent registered for a panel"""


class Admitted(TypedDict):
    """Respondent admitted to the pool"""


class Refused(TypedDict):
    """Respondent refused (eligibility)"""

    refusal: Refusal


RespondentStep = Registered | Admitted | Refused
# event name -> the typed definition of its details (the integration layer publishes each as a catalogue type)
RESPONDENT_STEPS: dict[str, type] = {"registered": Registered, "admitted": Admitted, "refused": Refused}


@dataclass(frozen=True)
class RespondentEvent:
    name: str
    panel_id: UUID
    pseudonym: str
    channel: Channel
    at: datetime
    details: RespondentStep


@dataclass
class Respondent:
    """A registration in one panel's pool, with the outcome of its eligibility check."""

    panel_id: UUID
    registration: Registration
    registered_at: datetime
    status: str = "registered"  # registered, admitted, refused
    refusal: Refusal | None = None
    reason: str | None = None
    events: list[RespondentEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def register(cls, panel_id: UUID, registration: Registration, now: datetime) -> Respondent:
        respondent = cls(panel_id, registration, now)
        respondent._event("registered", now, Registered())
        return respondent

    def check(self, context: Context, now: datetime) -> None:
        """The criteria step: admit to the pool, or refuse with a reason. Runs once."""
        if self.status != "registered":
            return
        verdict = eligibility(self.registration, context)
        if verdict is None:
            self.status = "admitted"
            self._event("admitted", now, Admitted())
        else:
            self.status, (self.refusal, self.reason) = "refused", verdict
            self._event("refused", now, Refused(refusal=verdict[0]))

    def _event(self, name: str, at: datetime, details: RespondentStep) -> None:
        r = self.registration
        self.events.append(RespondentEvent(name, self.panel_id, r.pseudonym, r.channel, at, details))
