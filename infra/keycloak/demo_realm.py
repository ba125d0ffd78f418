"""Writes the demo realm (realm/meemaken-demo-realm.json) and its user list (demo-users.md).

    python3 infra/keycloak/demo_realm.py          # rewrite both files
    python3 infra/keycloak/demo_realm.py --check  # exit 1 if either is not what this script writes

The realm is for a demo municipality, Demostad (code `demo`), and for tests. Its users' passwords
are in this file, in the realm file and in demo-users.md on purpose: they are DEMO-ONLY, never to be
used for a real realm. The gateway client's secret is not: the realm file names it as the
placeholder ${MEEMAKEN_OIDC_CLIENT_SECRET}, which Keycloak fills in from the environment when it
imports the file (keycloak.sh sets it).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REALM_FILE = HERE / "realm" / "meemaken-demo-realm.json"
USERS_FILE = HERE / "demo-users.md"

REALM = "meemaken-demo"
GATEWAY = "meemaken-gateway"
AGES_ON = date(2026, 12, 1)  # the ages in the table below hold on this day (birthdates are fixed)

ROLES = {
    "resident": "lives in the municipality: takes part in processes, proposals, panels",
    "group_representative": "speaks for a group (association, neighbourhood committee) of residents",
    "case_officer": "handles cases (proposals, challenges) of a department",
    "assessor": "assesses cases against the criteria",
    "decision_body": "takes the formal decisions (college, council)",
    "panel_coordinator": "runs citizen panels: recruitment, draw, deliberation",
    "moderator": "moderates what residents publish",
    "mentor": "helps residents and groups with their proposals and challenges",
    "supervisor": "heads a department: hears of its deadlines, sees its breaches",
    "administrator": "configures the municipality's processes and users",
}
GROUPS = {"departments": ["mobility", "public-space"]}

# username, given name, family name, sex (for the fake national number), birthdate, locale,
# municipality, district, realm roles, groups, DEMO-ONLY password
# fmt: off
USERS: list[tuple[str, str, str, str, str, str, str | None, str | None, list[str], list[str], str]] = [
    ("anna", "Anna", "Peeters", "F", "1992-03-14", "nl", "demo", "centrum", ["resident"], [], "31bq-axf7-ickg"),
    ("bram", "Bram", "Janssens", "M", "1959-06-21", "nl", "demo", "noord", ["resident"], [], "tszk-m8t3-mvu4"),
    ("chloe", "Chloé", "Dubois", "F", "2007-05-09", "fr", "demo", "zuid", ["resident"], [], "3vcq-celf-tswh"),
    ("daan", "Daan", "Maes", "M", "1981-02-27", "nl", "demo", "centrum",
     ["resident", "group_representative"], [], "5sta-2th0-brcu"),
    ("emma", "Emma", "Willems", "F", "2012-08-30", "nl", "demo", "noord", ["resident"], [], "rifs-otq3-alnq"),
    ("farid", "Farid", "El Amrani", "M", "1986-10-05", "en", "elsewhere", None, [], [], "75kh-b4zo-gm2w"),
    ("olivia", "Olivia", "Claes", "F", "1988-09-12", "nl", None, None,
     ["case_officer"], ["/departments/mobility"], "kwpm-4jrl-z6jh"),
    ("pieter", "Pieter", "Goossens", "M", "1975-01-23", "nl", None, None, ["assessor"], [], "n6d2-tbyj-04vo"),
    ("quinten", "Quinten", "Wouters", "M", "1969-04-02", "fr", None, None, ["decision_body"], [], "xl7i-2e7q-u885"),
    ("rosa", "Rosa", "De Smet", "F", "1983-11-17", "en", None, None, ["panel_coordinator"], [], "kk5f-rebh-7irn"),
    ("sam", "Sam", "Mertens", "M", "1995-07-08", "nl", None, None, ["moderator"], [], "2hr8-5ad0-2e0t"),
    ("tess", "Tess", "Vermeulen", "F", "1990-12-24", "fr", None, None, ["mentor"], [], "iwki-vvl3-btv7"),
    ("ursula", "Ursula", "Jacobs", "F", "1978-06-30", "en", None, None, ["administrator"], [], "2qhk-lift-icfj"),
    ("vera", "Vera", "Lambrechts", "F", "1972-02-11", "nl", None, None,
     ["supervisor"], ["/departments/mobility"], "m3qx-7vkd-p2ne"),
]
# fmt: on


def age(birthdate: str, on: date = AGES_ON) -> int:
    born = date.fromisoformat(birthdate)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def national_number(birthdate: str, sex: str, index: int) -> str:
    """A made-up Belgian national register number (rijksregisternummer) of the right shape: YYMMDD,
    a serial (odd for men, even for women; 9xx here) and the mod-97 check digits, with the '2'
    prefix the check uses for births from 2000 on. Fake data for the demo realm only."""
    born = date.fromisoformat(birthdate)
    serial = 901 + 2 * index + (0 if sex == "M" else 1)
    first9 = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first9)
    return f"{first9}{97 - base % 97:02d}"


def _attribute(name: str, display: str, validations: dict[str, object], user_view: bool = True) -> dict[str, object]:
    return {
        "name": name,
        "displayName": display,
        "permissions": {"view": ["admin", "user"] if user_view else ["admin"], "edit": ["admin"]},
        "validations": validations,
        "multivalued": False,
    }


def user_profile() -> dict[str, object]:
    """Keycloak's default user profile plus the attributes the gateway reads. Declared attributes
    (not unmanaged ones) so that an import keeps them; residents cannot edit them themselves."""
    person_name = {"length": {"max": 255}, "person-name-prohibited-characters": {}}
    both = {"view": ["admin", "user"], "edit": ["admin", "user"]}
    return {
        "attributes": [
            {
                "name": "username",
                "displayName": "${username}",
                "permissions": both,
                "validations": {
                    "length": {"min": 3, "max": 255},
                    "username-prohibited-characters": {},
                    "up-username-not-idn-homograph": {},
                },
                "multivalued": False,
            },
            {
                "name": "email",
                "displayName": "${email}",
                "required": {"roles": ["user"]},
                "permissions": both,
                "validations": {"email": {}, "length": {"max": 255}},
                "multivalued": False,
            },
            {
                "name": "firstName",
                "displayName": "${firstName}",
                "required": {"roles": ["user"]},
                "permissions": both,
                "validations": person_name,
                "multivalued": False,
            },
            {
                "name": "lastName",
                "displayName": "${lastName}",
                "required": {"roles": ["user"]},
                "permissions": both,
                "validations": person_name,
                "multivalued": False,
            },
            _attribute("birthdate", "Birthdate", {"iso-date": {}}),
            _attribute(
                "municipality",
                "Municipality of residence (code)",
                {"pattern": {"pattern": "^[a-z0-9-]{1,64}$", "error-message": "a municipality code"}},
            ),
            _attribute(
                "district",
                "District",
                {"pattern": {"pattern": "^[a-z0-9-]{1,64}$", "error-message": "a district code"}},
            ),
            _attribute(
                "national_number",
                "National register number",
                {"pattern": {"pattern": "^[0-9]{11}$", "error-message": "11 digits"}},
                user_view=False,
            ),
        ],
        "groups": [
            {
                "name": "user-metadata",
                "displayHeader": "User metadata",
                "displayDescription": "Attributes, which refer to user metadata",
            }
        ],
    }


def _mapper(name: str, mapper: str, config: dict[str, str], access_token: bool = True) -> dict[str, object]:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": mapper,
        "consentRequired": False,
        "config": {
            **config,
            "id.token.claim": "true",
            "userinfo.token.claim": "true",
            "access.token.claim": "true" if access_token else "false",
            "introspection.token.claim": "true" if access_token else "false",
        },
    }


def _attribute_mapper(attribute: str, access_token: bool = True) -> dict[str, object]:
    config = {"user.attribute": attribute, "claim.name": attribute, "jsonType.label": "String", "multivalued": "false"}
    return _mapper(attribute, "oidc-usermodel-attribute-mapper", config, access_token)


def gateway_client() -> dict[str, object]:
    """The gateway: confidential, authorization code flow only, PKCE S256. Its scope holds only
    the meemaken realm roles (fullScopeAllowed off), so `roles` lists just those."""
    return {
        "clientId": GATEWAY,
        "name": "meemaken gateway (citizens' portal and officials' UI)",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "secret": "${MEEMAKEN_OIDC_CLIENT_SECRET}",
        "standardFlowEnabled": True,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "authorizationServicesEnabled": False,
        "consentRequired": False,
        "frontchannelLogout": False,
        "fullScopeAllowed": False,
        "rootUrl": "http://127.0.0.1:8100",
        "baseUrl": "/",
        # Keycloak matches a trailing * as a prefix: the last one admits tests' gateways on any port.
        "redirectUris": ["http://127.0.0.1:8100/*", "http://localhost:8100/*", "http://127.0.0.1:*"],
        "webOrigins": ["+"],
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": "+",
            "oauth2.device.authorization.grant.enabled": "false",
            "oidc.ciba.grant.enabled": "false",
            "standard.token.exchange.enabled": "false",
            "backchannel.logout.session.required": "true",
            "use.refresh.tokens": "true",
        },
        "protocolMappers": [
            _mapper(
                "roles",
                "oidc-usermodel-realm-role-mapper",
                {"claim.name": "roles", "jsonType.label": "String", "multivalued": "true"},
            ),
            _mapper("groups", "oidc-group-membership-mapper", {"claim.name": "groups", "full.path": "true"}),
            _attribute_mapper("municipality"),
            _attribute_mapper("district"),
            # the national number goes to the gateway only (ID token, userinfo), never in access tokens
            _attribute_mapper("national_number", access_token=False),
        ],
    }


def _user(
    row: tuple[str, str, str, str, str, str, str | None, str | None, list[str], list[str], str], index: int
) -> dict[str, object]:
    username, given, family, sex, birthdate, locale, municipality, district, roles, groups, password = row
    attributes = {
        "birthdate": [birthdate],
        "locale": [locale],
        "national_number": [national_number(birthdate, sex, index)],
    }
    if municipality:
        attributes["municipality"] = [municipality]
    if district:
        attributes["district"] = [district]
    return {
        "username": username,
        "enabled": True,
        "email": f"{username}@example.org",
        "emailVerified": True,
        "firstName": given,
        "lastName": family,
        "attributes": attributes,
        "requiredActions": [],
        "credentials": [{"type": "password", "value": password, "temporary": False}],
        "realmRoles": [f"default-roles-{REALM}", *roles],
        "groups": groups,
    }


def realm() -> dict[str, object]:
    return {
        "realm": REALM,
        "displayName": "Demostad",
        "enabled": True,
        "sslRequired": "external",
        "registrationAllowed": False,
        "loginWithEmailAllowed": True,
        "duplicateEmailsAllowed": False,
        "resetPasswordAllowed": False,
        "editUsernameAllowed": False,
        "rememberMe": False,
        "verifyEmail": False,
        "internationalizationEnabled": True,
        "supportedLocales": ["nl", "fr", "en"],
        "defaultLocale": "nl",
        "accessTokenLifespan": 300,
        "ssoSessionIdleTimeout": 1800,
        "ssoSessionMaxLifespan": 36000,
        "bruteForceProtected": True,
        "permanentLockout": False,
        "failureFactor": 5,
        "waitIncrementSeconds": 60,
        "maxFailureWaitSeconds": 900,
        "minimumQuickLoginWaitSeconds": 60,
        "quickLoginCheckMilliSeconds": 1000,
        "maxDeltaTimeSeconds": 43200,
        "attributes": {"meemaken.municipality": "demo"},
        "roles": {"realm": [{"name": name, "description": text} for name, text in ROLES.items()]},
        "groups": [
            {
                "name": top,
                "path": f"/{top}",
                "subGroups": [{"name": sub, "path": f"/{top}/{sub}", "subGroups": []} for sub in subs],
            }
            for top, subs in GROUPS.items()
        ],
        "clients": [gateway_client()],
        "scopeMappings": [{"client": GATEWAY, "roles": list(ROLES)}],
        "users": [_user(row, i) for i, row in enumerate(USERS)],
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [json.dumps(user_profile(), separators=(",", ":"))]},
                }
            ]
        },
    }


def users_markdown() -> str:
    lines = [
        "# Demo users of the `meemaken-demo` realm (Demostad, code `demo`)",
        "",
        "**DEMO ONLY.** These passwords are public (they are in this repository): the realm exists for",
        "`make run` and the tests on a local Keycloak (`infra/keycloak/keycloak.sh`), never for real people.",
        f"Written by `infra/keycloak/demo_realm.py`; ages as of {AGES_ON.isoformat()}. National numbers are",
        "made up (right shape and check digits), there to prove the gateway never lets them out.",
        "",
        "| user | password | name | roles | groups | age | birthdate | municipality | district | locale |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for username, given, family, _sex, birthdate, locale, municipality, district, roles, groups, password in USERS:
        lines.append(
            f"| `{username}` | `{password}` | {given} {family} | {', '.join(roles) or '(none)'} | "
            f"{', '.join(groups) or ''} | {age(birthdate)} | {birthdate} | {municipality or ''} | "
            f"{district or ''} | {locale} |"
        )
    lines += [
        "",
        f"E-mail: `<user>@example.org` (verified). Client `{GATEWAY}`: confidential, authorization code + PKCE",
        "(S256); its secret is `MEEMAKEN_OIDC_CLIENT_SECRET`, or `.run/keycloak/client-secret` (made by keycloak.sh).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    wanted = {REALM_FILE: json.dumps(realm(), indent=2, ensure_ascii=False) + "\n", USERS_FILE: users_markdown()}
    if argv[1:] == ["--check"]:
        stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path} is not what {Path(__file__).name} writes: run it", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
