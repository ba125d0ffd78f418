"""What the browser tests against a real Keycloak share (test_identity_keycloak.py, test_portal_full_stack.py): a
browser context, Keycloak's own login page filled in as a person would, waiting for a page with a message that
says where the browser is instead, and screenshots in /tmp/meemaken-screens/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from meemaken_testkit.keycloak import Keycloak

SCREENS = Path("/tmp/meemaken-screens")
TIMEOUT_MS = 60_000  # one page on a loaded two-core machine


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
