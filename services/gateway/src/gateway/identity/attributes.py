"""Verified attributes: what the provider said, completed or corrected by an official at the desk.

The services receive ``age`` (computed from the birth date when the token is signed, never stored),
``municipality`` (of residence), ``resident`` (lives in the municipality this gateway serves) and
``district``. An attribute nobody verified is absent; the resident's account page says why and
what to do. An official's verification wins over the provider's claim (it is newer and was made
against a document); each one is audited in an event.

Plain Python: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

Verifiable = Literal["birthdate", "municipality", "district"]
VERIFIABLE: tuple[Verifiable, ...] = get_args(Verifiable)


@dataclass(frozen=True)
class Attribute:
    """One attribute as shown on the account page: its value, where it came from, or why it is missing."""

    name: str
    value: Any
    source: str | None  # "provider", "desk" or None (missing)


def age_on(birthdate: date, today: date) -> int:
    return today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))


def effective(provider: Mapping[str, str], desk: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """name -> (value, source), the desk's verification winning over the provider's claim."""
    found: dict[str, tuple[str, str]] = {
        name: (value, "provider") for name, value in provider.items() if name in VERIFIABLE and value
    }
    found |= {name: (value, "desk") for name, value in desk.items() if name in VERIFIABLE and value}
    return found


def token_attributes(
    provider: Mapping[str, str], desk: Mapping[str, str], municipality: str, today: date
) -> dict[str, Any]:
    """The ``attrs`` claim of a token: only what is verified, the birth date reduced to an age."""
    known = effective(provider, desk)
    attrs: dict[str, Any] = {}
    if "birthdate" in known:
        attrs["age"] = age_on(date.fromisoformat(known["birthdate"][0]), today)
    if "municipality" in known:
        attrs["municipality"] = known["municipality"][0]
        attrs["resident"] = known["municipality"][0] == municipality
    if "district" in known:
        attrs["district"] = known["district"][0]
    return attrs


def account_view(
    provider: Mapping[str, str], desk: Mapping[str, str], municipality: str, today: date
) -> list[Attribute]:
    """Age, residence and district, each with its source, or as missing (the page explains why)."""
    known = effective(provider, desk)
    birth = known.get("birthdate")
    home = known.get("municipality")
    district = known.get("district")
    return [
        Attribute("age", age_on(date.fromisoformat(birth[0]), today) if birth else None, birth[1] if birth else None),
        Attribute("municipality", home[0] if home else None, home[1] if home else None),
        Attribute("resident", (home[0] == municipality) if home else None, home[1] if home else None),
        Attribute("district", district[0] if district else None, district[1] if district else None),
    ]
