"""My page in real Chromium (Playwright), with axe-core on every page and state reached: the account page as its
first tab, the inbox (a message in another language than the page, marked read), notification settings (an error
summary that moves focus to the field, then saved), what the resident took part in, and her data (the download,
the deletion request with its confirmation error, then recorded and visibly pending); in Dutch, in French on a
phone (375 px) and in English at 320 px; settings and the deletion request without JavaScript.

The stack runs in this process as in test_portal_budgets.py: the gateway, the real proposals, notifications and
panels services (SQLite) and the challenges service (PostgreSQL), each over HTTP on loopback, and an OpenID
provider (oidc-provider-mock). The scene is services/gateway/tests/mypage_testing.py. Screenshots go to
/tmp/meemaken-screens/mypage-*.png.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import werkzeug.serving

from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database, drop_database

pytestmark = pytest.mark.browser

GATEWAY_TESTS = Path(__file__).resolve().parents[2] / "services" / "gateway" / "tests"
SCREENS = Path("/tmp/meemaken-screens")
PHONE = {"width": 375, "height": 740}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}


@dataclass
class Portal:
    url: str
    ids: dict[str, str]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any, postgres_server_url: str) -> Iterator[Portal]:
    sys.path.insert(0, str(GATEWAY_TESTS))
    from gateway_testing import _provider, gateway_env
    from mypage_testing import Service, gateway_services, my_scene, person_id
    from portal_testing import ProposalsService

    from gateway.bootstrap import SERVICE, create_app
    from gateway.settings import GatewaySettings
    from meemaken_kit import Settings, make_engine, migrate

    folder = tmp_path_factory.mktemp("mypage")
    name = f"test_{uuid.uuid4().hex[:12]}"
    challenges_url = create_database(postgres_server_url, name)
    try:
        with (
            _provider(timedelta(hours=1)) as issuer,
            ProposalsService(folder) as proposals,
            Service("notifications", f"sqlite:///{folder / 'notifications.sqlite'}") as notifications,
            Service("panels", f"sqlite:///{folder / 'panels.sqlite'}") as panels,
            Service("challenges", challenges_url) as challenges,
        ):
            services = (proposals, notifications, challenges, panels)
            ids = my_scene(*services, person_id(issuer))
            port = free_port()
            url = f"sqlite:///{folder / 'gateway.sqlite'}"
            migrate(SERVICE.migrations_dir, url)
            env = gateway_env(issuer, MEEMAKEN_PUBLIC_URL=f"http://127.0.0.1:{port}", **gateway_services(*services))
            app = create_app(
                Settings.from_env("gateway", {"DATABASE_URL": url}), make_engine(url), GatewaySettings.from_env(env)
            )
            server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            try:
                yield Portal(f"http://127.0.0.1:{port}", ids)
            finally:
                server.shutdown()
                server.server_close()
                thread.join(2)
    finally:
        drop_database(postgres_server_url, name)


def context(browser: Any, lang: str, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
    return browser.new_context(locale=LOCALES[lang], viewport=viewport, bypass_csp=True, **options)


def checked(page: Any, name: str, accessible: Any) -> None:
    """axe on the page as it is, no sideways scrolling, one h1, and a screenshot."""
    page.wait_for_load_state("load")
    accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
    assert page.locator("h1").count() == 1, name
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"mypage-{name}.png"), full_page=True)


def visit(page: Any, url: str, name: str, accessible: Any) -> None:
    page.goto(url)
    checked(page, name, accessible)


def log_in(page: Any, portal: Portal, who: str, next_path: str) -> None:
    page.goto(f"{portal.url}/login?next={next_path}")
    page.fill("input[name=sub]", who)  # the test provider's own form (not ours: no axe here)
    page.click("button:has-text('Authorize')")
    page.wait_for_url(f"{portal.url}{next_path}*")


def test_my_page_in_dutch_inbox_settings_and_what_i_took_part_in(browser, portal, accessible):
    opened = context(browser, "nl")
    page = opened.new_page()
    try:
        log_in(page, portal, "anna", "/account")
        checked(page, "account-nl", accessible)
        assert page.locator("h1").inner_text() == "Mijn pagina"
        assert page.locator("nav.account a[aria-current=page]").inner_text() == "Mijn pagina"
        page.click(".mypage-nav a:has-text('Inbox')")
        page.wait_for_url("**/account/inbox")
        checked(page, "inbox-unread-nl", accessible)
        assert "Ongelezen:" in page.locator(".card--unread h2").inner_text()
        page.click("button:has-text('Markeren als gelezen')")
        page.wait_for_url("**/account/inbox#message-*")
        checked(page, "inbox-read-nl", accessible)
        assert page.locator(".card--unread").count() == 0
        assert "Het bericht is als gelezen gemarkeerd." in page.locator("[role=status]").first.inner_text()

        page.click(".mypage-nav a:has-text('Meldingen')")
        page.wait_for_url("**/account/notifications")
        checked(page, "settings-nl", accessible)
        page.check("#channels-email")
        page.click("button:has-text('Mijn instellingen bewaren')")
        page.wait_for_load_state("load")
        checked(page, "settings-error-nl", accessible)
        summary = page.locator(".error-summary a")
        assert summary.count() == 1 and "Vul je e-mailadres in" in summary.inner_text()
        summary.click()
        assert page.evaluate("document.activeElement.id") == "email"
        page.fill("#email", "anna@example.org")
        page.check("#digest-daily")
        page.check("#muted-budget")
        page.click("button:has-text('Mijn instellingen bewaren')")
        page.wait_for_url("**/account/notifications")
        checked(page, "settings-saved-nl", accessible)
        assert "Je instellingen zijn bewaard." in page.content()
        assert page.is_checked("#digest-daily") and page.is_checked("#muted-budget")

        page.click(".mypage-nav a:has-text('Waar ik aan meedeed')")
        page.wait_for_url("**/account/participation")
        checked(page, "participation-nl", accessible)
        content = page.content()
        assert "Safer school streets" in content and "More benches on the market square" in content
        assert "Small projects 2027" in content and "Fietspunt Station vzw" in content
        assert "Je zit in de pool: je kunt geloot worden voor dit panel." in content
    finally:
        opened.close()


def test_my_data_in_french_on_a_phone_download_and_deletion(browser, portal, accessible):
    opened = context(browser, "fr", PHONE, accept_downloads=True)
    page = opened.new_page()
    try:
        log_in(page, portal, "visitor", "/account/data")
        checked(page, "data-fr-phone", accessible)
        assert page.locator("html").get_attribute("lang") == "fr"
        with page.expect_download() as waiting:
            page.click("a:has-text('Télécharger mes données (JSON)')")
        download = waiting.value
        assert download.suggested_filename.startswith("meemaken-my-data-")
        data = json.loads(Path(download.path()).read_text())
        assert data["account"]["roles"] and data["deletion_request"] is None
        assert "Jacobs" not in json.dumps(data)  # the login's name stays in the gateway

        page.click('a:has-text("Demander l\'effacement de mes données")')
        page.wait_for_url("**/account/data/deletion")
        checked(page, "deletion-fr-phone", accessible)
        page.click('button:has-text("Demander l\'effacement de mes données")')
        page.wait_for_load_state("load")
        checked(page, "deletion-error-fr-phone", accessible)
        page.locator(".error-summary a").click()
        assert page.evaluate("document.activeElement.id") == "understood"
        page.check("#understood")
        page.click('button:has-text("Demander l\'effacement de mes données")')
        page.wait_for_url("**/account/data")
        checked(page, "deletion-recorded-fr-phone", accessible)
        assert "Nous avons enregistré votre demande" in page.content()
        assert "Votre demande d'effacement de vos données est en cours." in page.content()
        page.reload()
        checked(page, "deletion-pending-fr-phone", accessible)
        assert "Nous avons enregistré votre demande" not in page.content()
        assert "Votre demande d'effacement de vos données est en cours." in page.content()
    finally:
        opened.close()


def test_my_page_in_english_at_320_px(browser, portal, accessible):
    opened = context(browser, "en", NARROW)
    page = opened.new_page()
    try:
        log_in(page, portal, "minor", "/account?lang=en")
        checked(page, "account-en-320", accessible)
        assert page.locator("h1").inner_text() == "My page"
        for path, name in (
            ("/account/inbox", "inbox-empty"),
            ("/account/notifications", "settings"),
            ("/account/participation", "participation-empty"),
            ("/account/data", "data"),
            ("/account/data/deletion", "deletion"),
        ):
            visit(page, f"{portal.url}{path}", f"{name}-en-320", accessible)
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto(f"{portal.url}/account/participation")
        assert "You have not registered for a citizen panel." in page.content()
    finally:
        opened.close()


def test_settings_and_a_deletion_request_work_without_javascript(browser, portal):
    opened = context(browser, "en", PHONE, java_script_enabled=False)
    page = opened.new_page()
    try:
        log_in(page, portal, "unknown-birth", "/account/notifications?lang=en")
        page.check("#channels-letter")
        page.click("button:has-text('Save my settings')")
        page.wait_for_load_state("load")
        assert "Enter your postal address on at least two lines" in page.locator(".error-summary").inner_text()
        page.fill("#postal_address", "Tess Goossens\nKerkstraat 2\n9000 Gent")
        page.click("button:has-text('Save my settings')")
        page.wait_for_url("**/account/notifications")
        assert "Your settings are saved." in page.content() and page.is_checked("#channels-letter")
        page.goto(f"{portal.url}/account/data/deletion")
        page.check("#understood")
        page.click("button:has-text('Ask to delete my data')")
        page.wait_for_url("**/account/data")
        assert "Your request to delete your data is pending." in page.content()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "mypage-deletion-pending-en-no-js.png"), full_page=True)
    finally:
        opened.close()
