"""What the login vouches for: age, residence and district come from the identity provider, not from the
resident's own answers, and so do the strata that follow from them (the age band, the district).

A panel's feature named ``age`` or ``age_band`` takes its value from the verified age: its values are bands
such as ``16-24`` or ``65+``. A feature named ``district`` takes the verified district as it is. Every other
feature (gender, education, ...) is the resident's own answer: only they can say it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from panels.domain.sortition import Feature

AGE_FEATURES = frozenset({"age", "age_band"})
DISTRICT_FEATURES = frozenset({"district"})
VERIFIED_FEATURES = AGE_FEATURES | DISTRICT_FEATURES
_RANGE = re.compile(r"^\s*(\d{1,3})\s*[-\u2013]\s*(\d{1,3})\s*$")
_FROM = re.compile(r"^\s*(\d{1,3})\s*\+\s*$")
OLDEST = 130


class UnverifiedAttribute(Exception):
    """The rule needs an attribute the login does not carry: the resident is told why and what to do."""


class DeclaredVerifiedFeature(ValueError):
    """A request answered a feature that comes from the login (age band, district) itself."""


@dataclass(frozen=True)
class Verified:
    """The facts eligibility and stratification take from the login."""

    age: int | None
    resident: bool
    strata: Mapping[str, str]


def band(label: str) -> tuple[int, int] | None:
    """``16-24`` -> (16, 24); ``65+`` -> (65, 130); anything else -> None."""
    if found := _RANGE.match(label):
        low, high = int(found[1]), int(found[2])
        return (low, high) if low <= high else None
    if found := _FROM.match(label):
        return int(found[1]), OLDEST
    return None


def check_age_bands(features: Iterable[Feature]) -> str | None:
    """What is wrong with a panel's age feature (None when nothing is): bands that cannot be read or overlap."""
    for feature in features:
        if feature.name not in AGE_FEATURES:
            continue
        bands = {label: band(label) for label in feature.values}
        unreadable = sorted(label for label, b in bands.items() if b is None)
        if unreadable:
            return (
                f"the values of {feature.name} are age bands such as 16-24 or 65+ (the age comes from the "
                f"resident's login): {', '.join(unreadable)} cannot be read"
            )
        for age in range(OLDEST + 1):
            holding = [label for label, b in bands.items() if b and b[0] <= age <= b[1]]
            if len(holding) > 1:
                return f"the age bands {' and '.join(sorted(holding))} of {feature.name} overlap at age {age}"
    return None


def verified(min_age: int, features: Iterable[Feature], attributes: Mapping[str, Any]) -> Verified:
    """Age, residence and the verified strata from the login's attributes; a missing one the panel needs is
    refused with the reason and what to do about it."""
    features = tuple(features)
    resident = attributes.get("resident")
    if not isinstance(resident, bool):
        raise UnverifiedAttribute(
            "Whether you live in the municipality is not known from your login; ask the municipality's desk "
            "to verify your residence, then register again."
        )
    age = attributes.get("age")
    needs_age = min_age > 0 or any(f.name in AGE_FEATURES for f in features)
    if needs_age and (not isinstance(age, int) or isinstance(age, bool)):
        raise UnverifiedAttribute(
            "Your age is not known from your login; ask the municipality's desk to verify it, then register again."
        )
    strata: dict[str, str] = {}
    for feature in features:
        if feature.name in AGE_FEATURES:
            assert isinstance(age, int)
            for label in feature.values:
                limits = band(label)
                if limits and limits[0] <= age <= limits[1]:
                    strata[feature.name] = label
        elif feature.name in DISTRICT_FEATURES:
            district = attributes.get("district")
            if not isinstance(district, str) or not district:
                raise UnverifiedAttribute(
                    "Your district is not known from your login; ask the municipality's desk to verify your "
                    "address, then register again."
                )
            strata[feature.name] = district
    return Verified(age if isinstance(age, int) and not isinstance(age, bool) else None, resident, strata)


def declared_strata(answers: Mapping[str, str]) -> dict[str, str]:
    """The resident's own answers, refusing those the login vouches for (they would override the truth)."""
    verified_here = sorted(set(answers) & VERIFIED_FEATURES)
    if verified_here:
        raise DeclaredVerifiedFeature(
            f"{', '.join(verified_here)} come(s) from your login, not from your answers: leave it out"
        )
    return dict(answers)
