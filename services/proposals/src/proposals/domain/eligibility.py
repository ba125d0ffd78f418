"""Who may take part: facts verified about a person, never what a request says about its sender.

Facts come from the person's login (the identity provider's verified attributes, carried in the
gateway's token) or, for a paper ballot, from the official who verified them at the desk. A fact the
identity provider does not give is unknown (None), and a rule that needs it refuses with the reason
and what the person can do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class NotEligible(ValueError):
    """The person may not take part here; the message says why."""


class Unverified(NotEligible):
    """A fact the rule needs is not known from the person's login; the message says what to do."""

    def __init__(self, missing: Iterable[str], message: str) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


@dataclass(frozen=True)
class Facts:
    """What is verified about a person; None where it is not known.

    `resident` says whether they live in the municipality of the process at hand."""

    age: int | None = None
    resident: bool | None = None
    district: str | None = None

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any], municipality: str) -> Facts:
        """The verified attributes of a login (``age``, ``resident``, ``municipality``, ``district``).

        A resident of `municipality` is one whose login says ``resident: true`` and names it as their
        residence municipality. ``resident: false`` or another municipality: not a resident. Anything
        less (either attribute missing): not known."""
        age = attributes.get("age")
        flag, home = attributes.get("resident"), attributes.get("municipality")
        district = attributes.get("district")
        resident: bool | None = None
        if flag is False or (isinstance(home, str) and home != municipality):
            resident = False
        elif flag is True and home == municipality:
            resident = True
        return cls(
            age if isinstance(age, int) and not isinstance(age, bool) else None,
            resident,
            district if isinstance(district, str) and district else None,
        )


def not_known(missing: Iterable[str], municipality: str) -> str:
    """'Your login does not say how old you are or whether you live in gent.'"""
    phrases = {
        "age": "how old you are",
        "residence": f"whether you live in {municipality}",
        "district": "which district you live in",
    }
    return f"Your login does not say {' or '.join(phrases[m] for m in missing)}."


def check_supporter(facts: Facts, municipality: str) -> None:
    """Supporting a proposal is for residents of the process's municipality, as their login verifies."""
    if facts.resident is False:
        raise NotEligible(
            f"Only residents of {municipality} support proposals in its processes, and your login says "
            "you live elsewhere."
        )
    if facts.resident is None:
        raise Unverified(
            ("residence",),
            f"{not_known(('residence',), municipality)} Only residents of {municipality} support proposals "
            "in its processes, so your support cannot be counted yet: ask the municipality's desk to verify "
            "your residence, then log in again.",
        )
