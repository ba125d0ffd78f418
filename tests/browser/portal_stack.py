"""What the portal's browser tests share: the gateway served on a local port in front of the journey's real
service (its app over HTTP on loopback) with an in-process OpenID provider for the logins, the browser
contexts (language, viewport), and the check run on every page reached: axe-core (WCAG 2.1 A and AA), no
sideways scrolling, one h1, and a screenshot in /tmp/meemaken-screens/<journey>-<name>.png.

The full stack (Keycloak, Kafka, every service with its worker) is test_portal_full_stack.py's."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import werkzeug.serving

from meemaken_testkit.ports import free_port

GATEWAY_TESTS = Path(__file__).resolve().parents[2] / "services" / "gateway" / "tests"
sys.path.insert(0, str(GATEWAY_TESTS))  # the journeys' scenes: portal_testing, panel_testing, ...

SCREENS = Path("/tmp/meemaken-screens")
PHONE = {"width": 375, "height": 740}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}


class Portal:
    """The running portal: its ``url``, the scene's ``ids``, and the service(s) behind it by name."""

    def __init__(self, url: str, ids: dict[str, str], **services: Any) -> None:
        self.url, self.ids = url, ids
        self.__dict__.update(services)


@contextmanager
def provider() -> Iterator[str]:
    """The in-process OpenID provider (oidc-provider-mock): its issuer URL."""
    from gateway_testing import _provider

    with _provider(timedelta(hours=1)) as issuer:
        yield issuer


@contextmanager
def serve_gateway(folder: Path, issuer: str, **env: str) -> Iterator[str]:
    """The gateway on its own SQLite database and a free port, pointed at the services in ``env``."""
    from gateway_testing import gateway_env

    from gateway.bootstrap import SERVICE, create_app
    from gateway.settings import GatewaySettings
    from meemaken_kit import Settings, make_engine, migrate

    port = free_port()
    url = f"sqlite:///{folder / 'gateway.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    settings = GatewaySettings.from_env(gateway_env(issuer, MEEMAKEN_PUBLIC_URL=f"http://127.0.0.1:{port}", **env))
    app = create_app(Settings.from_env("gateway", {"DATABASE_URL": url}), make_engine(url), settings)
    server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


def context(browser: Any, lang: str, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
    return browser.new_context(locale=LOCALES[lang], viewport=viewport, bypass_csp=True, **options)


def log_in(page: Any, portal: Portal, who: str, next_path: str) -> None:
    page.goto(f"{portal.url}/login?next={next_path}")
    page.fill("input[name=sub]", who)  # the test provider's own form (not ours: no axe here)
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{portal.url}{next_path.split('?')[0]}*")


class Screens:
    """The check of every page of one journey, its screenshots named ``<journey>-<name>.png``."""

    def __init__(self, journey: str) -> None:
        self.journey = journey

    def visit(self, page: Any, url: str, name: str, accessible: Any | None) -> None:
        page.goto(url)
        self.checked(page, name, accessible)

    def checked(self, page: Any, name: str, accessible: Any | None) -> None:
        """axe on the page as it is (None: JavaScript is off, axe cannot run), no sideways scrolling, one
        h1, and a screenshot."""
        page.wait_for_load_state("load")
        if accessible is not None:
            accessible(page)
        wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert wide, f"{self.journey} {name} scrolls sideways"
        assert page.locator("h1").count() == 1, f"{self.journey} {name}"
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{self.journey}-{name}.png"), full_page=True)
