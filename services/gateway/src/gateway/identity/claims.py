"""What an identity provider says about a person, read through the provider's claim profile.

Three profiles are built in (docs/identity.md explains each in plain words):

- ``keycloak``: the local demo realm (and any Keycloak a municipality runs);
- ``acm-idm``: the Flemish government's ACM/IDM (login with itsme or the eID card);
- ``nl-broker``: a Dutch OIDC broker for DigiD / eHerkenning under the NL GOV Assurance profile.

Each claim can be overridden with ``MEEMAKEN_OIDC_CLAIM_<NAME>`` (e.g. ``MEEMAKEN_OIDC_CLAIM_ROLES=
realm_access.roles``); a dotted name reads a nested claim. Only what the services need is kept:
the subject, the birth date, the residence municipality and district, roles and department groups.
The national number is read for one purpose only (ACM/IDM: a Belgian national register number
encodes the birth date) and is dropped at once: names, e-mail and the number never leave this module.

Plain Python: no Flask, no database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meemaken_kit.roles import OFFICIALS, Role

log = logging.getLogger("gateway.identity")

CLAIMS = ("subject", "national_number", "birthdate", "municipality", "district", "roles", "groups", "locale")

PROFILES: dict[str, dict[str, str]] = {
    "keycloak": {
        "subject": "sub",
        "national_number": "national_number",
        "birthdate": "birthdate",
        "municipality": "municipality",
        "district": "district",
        "roles": "roles",
        "groups": "groups",
        "locale": "locale",
    },
    "acm-idm": {
        "subject": "sub",
        "national_number": "rrn",
        "birthdate": "",  # ACM/IDM sends none: derived from the national register number
        "municipality": "",  # ACM/IDM knows no address: an official verifies residence at the desk
        "district": "",
        "roles": "meemaken_rol_3d",  # the application's WebIDM 3D roles, "role:organisation"
        "groups": "",
        "locale": "locale",
    },
    "nl-broker": {
        "subject": "sub",
        "national_number": "sub",  # DigiD's BSN (sub_id_type urn:nl-eid-gdi:1.0:id:BSN), or "nin" at some brokers
        "birthdate": "",  # DigiD gives the BSN only: birth date and address live in the BRP
        "municipality": "",
        "district": "",
        "roles": "roles",
        "groups": "",
        "locale": "locale",
    },
}

# Residents logging in through a national scheme carry no role claim: they act as residents.
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    "keycloak": (),
    "acm-idm": (Role.RESIDENT,),
    "nl-broker": (Role.RESIDENT,),
}

# The roles a provider may hand out: every one of the kit's roles except a service's identity.
PERSON_ROLES = frozenset(r.value for r in Role) - {Role.SERVICE}

GROUP_SCOPES = {"departments": "department", "processes": "process"}
_SCOPE_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")


class UnknownProfile(ValueError):
    pass


class NoSubject(ValueError):
    """The provider's answer names nobody: the login cannot go on."""


@dataclass(frozen=True)
class ClaimMapping:
    profile: str
    names: Mapping[str, str]
    default_roles: tuple[str, ...] = ()
    role_organisation: str | None = None

    @classmethod
    def of(
        cls,
        profile: str,
        overrides: Mapping[str, str] | None = None,
        default_roles: Iterable[str] | None = None,
        role_organisation: str | None = None,
    ) -> ClaimMapping:
        if profile not in PROFILES:
            raise UnknownProfile(f"MEEMAKEN_OIDC_PROFILE={profile!r}: choose one of {', '.join(PROFILES)}")
        names = dict(PROFILES[profile])
        for claim, name in (overrides or {}).items():
            if claim in CLAIMS:
                names[claim] = name
        roles = DEFAULT_ROLES[profile] if default_roles is None else tuple(default_roles)
        return cls(profile, names, tuple(r.strip() for r in roles if r.strip() in PERSON_ROLES), role_organisation)

    def read(self, claims: Mapping[str, Any], claim: str) -> Any:
        name = self.names.get(claim, "")
        if not name:
            return None
        value: Any = claims
        for part in name.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value


@dataclass(frozen=True)
class ProviderIdentity:
    """What the gateway keeps of a login: no name, no e-mail, no national number."""

    subject: str
    birthdate: date | None = None
    municipality: str | None = None
    district: str | None = None
    roles: frozenset[str] = frozenset()
    role_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    locale: str | None = None

    def attributes(self) -> dict[str, str]:
        """The provider's verified attributes as stored with the session (the birth date as ISO text)."""
        found = {"birthdate": self.birthdate.isoformat() if self.birthdate else None}
        found |= {"municipality": self.municipality, "district": self.district}
        return {k: v for k, v in found.items() if v}


def identity_from_claims(claims: Mapping[str, Any], mapping: ClaimMapping) -> ProviderIdentity:
    subject = mapping.read(claims, "subject")
    if not isinstance(subject, str) or not subject:
        raise NoSubject("the identity provider's answer has no subject")
    birthdate = _date(mapping.read(claims, "birthdate"))
    if birthdate is None and mapping.profile == "acm-idm":
        birthdate = birthdate_from_belgian_national_number(mapping.read(claims, "national_number"))
    roles = _roles(mapping.read(claims, "roles"), mapping)
    return ProviderIdentity(
        subject=subject,
        birthdate=birthdate,
        municipality=_code(mapping.read(claims, "municipality")),
        district=_code(mapping.read(claims, "district")),
        roles=roles,
        role_scopes=_role_scopes(mapping.read(claims, "groups"), roles),
        locale=_code(mapping.read(claims, "locale")),
    )


def _code(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and _CODE.match(value.strip()):
        return value.strip()
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        found = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return found if date(1900, 1, 1) <= found <= date.today() else None


def _roles(value: Any, mapping: ClaimMapping) -> frozenset[str]:
    """The kit's person roles among the provider's roles; ``role:organisation`` (ACM/IDM 3D roles) counts
    only for the configured organisation. A service's identity is never handed out by a provider."""
    names: Iterable[Any] = value if isinstance(value, list) else (value.split(",") if isinstance(value, str) else [])
    found = set(mapping.default_roles)
    for raw in names:
        if not isinstance(raw, str):
            continue
        name, sep, organisation = raw.strip().partition(":")
        if sep and (mapping.role_organisation is None or organisation.strip() != mapping.role_organisation):
            log.warning("ignored a role for another organisation", extra={"role": name})
            continue
        if name in PERSON_ROLES:
            found.add(name)
    return frozenset(found)


def _role_scopes(groups: Any, roles: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """``/departments/mobility`` -> ``department:mobility`` for each official role the person holds.

    An official in no department group holds their roles municipality-wide (the kit's rule)."""
    if not isinstance(groups, list):
        return {}
    scopes = set()
    for group in groups:
        if not isinstance(group, str):
            continue
        parts = group.strip("/").split("/")
        if len(parts) == 2 and parts[0] in GROUP_SCOPES and _SCOPE_VALUE.match(parts[1]):
            scopes.add(f"{GROUP_SCOPES[parts[0]]}:{parts[1]}")
    if not scopes:
        return {}
    return {role: tuple(sorted(scopes)) for role in sorted(roles & OFFICIALS)}


def birthdate_from_belgian_national_number(value: Any) -> date | None:
    """A Belgian national register number starts with the birth date (YYMMDD); its check digits tell the
    century (97 - number mod 97, with a leading 2 for births from 2000). Bis numbers (month + 20 or + 40)
    and numbers whose birth date is unknown (month or day 00) give none."""
    if not isinstance(value, str):
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) != 11:
        return None
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check:
        century = 1900
    elif 97 - int("2" + digits[:9]) % 97 == check:
        century = 2000
    else:
        return None
    year, month, day = century + int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found <= date.today() else None
