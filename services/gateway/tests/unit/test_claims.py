"""Reading a provider's claims through its profile: only the kit's roles, department scopes for
officials, birth dates from a Belgian national number, and nothing personal kept."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from gateway_testing import gateway_env, national_number

from gateway.identity.claims import (
    ClaimMapping,
    UnknownProfile,
    birthdate_from_belgian_national_number,
    identity_from_claims,
)
from gateway.settings import GatewaySettings

KEYCLOAK = {
    "sub": "f:1234",
    "birthdate": "1990-04-02",
    "municipality": "demo",
    "district": "centrum",
    "roles": ["case_officer", "resident", "service", "offline_access", "administrator"],
    "groups": ["/departments/mobility", "/departments/culture", "/processes/mobility-2027", "/staff"],
    "national_number": national_number("900402", 123),
    "given_name": "Anna",
    "email": "anna.janssens@example.org",
}


def test_keycloak_claims_become_roles_scopes_and_attributes_and_nothing_personal():
    found = identity_from_claims(KEYCLOAK, ClaimMapping.of("keycloak"))
    assert found.subject == "f:1234" and found.birthdate == date(1990, 4, 2)
    assert found.roles == {"case_officer", "resident", "administrator"}  # never "service", never unknown roles
    scopes = ("department:culture", "department:mobility", "process:mobility-2027")
    assert found.role_scopes == {"administrator": scopes, "case_officer": scopes}  # officials only
    assert found.attributes() == {"birthdate": "1990-04-02", "municipality": "demo", "district": "centrum"}
    kept = str(asdict(found))
    assert KEYCLOAK["national_number"] not in kept and "Anna" not in kept and "example.org" not in kept


def test_an_official_in_no_department_holds_the_role_municipality_wide():
    found = identity_from_claims(KEYCLOAK | {"groups": []}, ClaimMapping.of("keycloak"))
    assert found.role_scopes == {}


def test_acm_idm_gives_residents_their_role_and_birth_date_from_the_national_register_number():
    mapping = ClaimMapping.of("acm-idm", role_organisation="OVO002949")
    claims = {
        "sub": "2365621db15c6e2846ca71a1f2774e79fg28c487",
        "rrn": national_number("900402", 123),
        "meemaken_rol_3d": ["case_officer:OVO002949", "decision_body:OVO000001"],
    }
    found = identity_from_claims(claims, mapping)
    assert found.birthdate == date(1990, 4, 2) and found.municipality is None and found.district is None
    assert found.roles == {"resident", "case_officer"}  # the other municipality's role does not count
    assert identity_from_claims(claims, ClaimMapping.of("acm-idm")).roles == {"resident"}


def test_a_dutch_broker_gives_only_the_subject_so_every_attribute_is_missing():
    found = identity_from_claims(
        {"sub": "999993653", "acr": "urn:nl-eid-gdi:1.0:assurance-class:substantial"}, ClaimMapping.of("nl-broker")
    )
    assert found.roles == {"resident"} and found.attributes() == {}


def test_claims_can_be_renamed_per_claim_by_configuration():
    env = gateway_env(None, MEEMAKEN_OIDC_CLAIM_ROLES="realm_access.roles", MEEMAKEN_OIDC_CLAIM_DISTRICT="wijk")
    oidc = GatewaySettings.from_env(env).oidc
    mapping = ClaimMapping.of(oidc.profile, oidc.claim_overrides, oidc.default_roles)
    found = identity_from_claims({"sub": "x", "realm_access": {"roles": ["moderator"]}, "wijk": "noord"}, mapping)
    assert found.roles == {"moderator"} and found.district == "noord"
    with pytest.raises(UnknownProfile):
        ClaimMapping.of("saml")


def test_the_birth_date_in_a_belgian_national_register_number():
    assert birthdate_from_belgian_national_number(national_number("900402", 123)) == date(1990, 4, 2)
    assert birthdate_from_belgian_national_number(national_number("120601", 44)) == date(2012, 6, 1)
    written = national_number("850730", 33)
    assert birthdate_from_belgian_national_number(
        f"{written[:2]}.{written[2:4]}.{written[4:6]}-{written[6:9]}.{written[9:]}"
    ) == date(1985, 7, 30)
    assert birthdate_from_belgian_national_number("90040212300") is None  # wrong check digits
    assert birthdate_from_belgian_national_number(national_number("900000", 1)) is None  # birth date unknown
    assert birthdate_from_belgian_national_number(None) is None
