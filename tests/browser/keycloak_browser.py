"""What the browser tests against a real Keycloak share (test_identity_keycloak.py, test_portal_full_stack.py): the
demo realm's people and what about them must never leave the gateway, a browser context, Keycloak's own login
page filled in as a person would, waiting for a page with a message that says where the browser is instead, and
screenshots in /tmp/meemaken-screens/."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from meemaken_testkit.keycloak import REALM_FILE, Keycloak

SCREENS = Path("/tmp/meemaken-screens")
TIMEOUT_MS = 60_000  # one page on a loaded two-core machine


@dataclass
class Person:
    """What the identity provider knows about a demo user and must never leave the gateway."""

    username: str
    password: str
    name: str
    email: str
    national_number: str
    birthdate: date

    def secrets(self) -> list[str]:
        n = self.national_number
        formatted = f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}"
        return [n, formatted, self.email, self.name, self.name.split(" ", 1)[1]]

    def age(self, today: date) -> int:
        b = self.birthdate
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def people(keycloak: Keycloak) -> dict[str, Person]:
    """The demo realm's people (those with a national number), by username."""
    realm = json.loads(REALM_FILE.read_text())
    found = {}
    for user in realm["users"]:
        attrs = user.get("attributes", {})
        if "national_number" not in attrs:
            continue
        found[user["username"]] = Person(
            user["username"],
            keycloak.users[user["username"]],
            f"{user['firstName']} {user['lastName']}",
            user["email"],
            attrs["national_number"][0],
            date.fromisoformat(attrs["birthdate"][0]),
        )
    return found


def new_context(browser: Any, locale: str = "nl-BE") -> Any:
    context = browser.new_context(locale=locale, bypass_csp=True)  # axe is injected as a script
    context.set_default_timeout(TIMEOUT_MS)
    return context


def screenshot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def arrive(page: Any, url: str | re.Pattern[str]) -> None:
    """Wait for the browser to reach `url`; if it does not, say where it is and what it shows."""
    try:
        page.wait_for_url(url)
    except Exception:
        screenshot(page, "stuck")
        raise AssertionError(f"expected {url}, the browser shows {page.url}: {page.inner_text('body')[:600]}") from None


def sign_in_on_keycloak(page: Any, keycloak: Keycloak, username: str) -> None:
    """Keycloak's own login page: fill in and submit, as a person would (a demo user of the realm)."""
    arrive(page, f"{keycloak.issuer}/**")
    page.fill("#username", username)
    page.fill("#password", keycloak.users[username])
    page.click("#kc-login")
