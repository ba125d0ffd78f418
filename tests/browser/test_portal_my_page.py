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
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_stack import NARROW, PHONE, SCREENS, Portal, Screens, context, log_in, provider, serve_gateway

from meemaken_testkit.postgres import create_database, drop_database

pytestmark = pytest.mark.browser

screens = Screens("mypage")
visit, checked = screens.visit, screens.checked


@pytest.fixture(scope="module")
def portal(tmp_path_factory: Any, postgres_server_url: str) -> Iterator[Portal]:
    from mypage_testing import Service, gateway_services, my_scene, person_id
    from portal_testing import ProposalsService

    folder = tmp_path_factory.mktemp("mypage")
    name = f"test_{uuid.uuid4().hex[:12]}"
    challenges_url = create_database(postgres_server_url, name)
    try:
        with (
            provider() as issuer,
            ProposalsService(folder) as proposals,
            Service(f"sqlite:///{folder / 'notifications.sqlite'}", "notifications") as notifications,
            Service(f"sqlite:///{folder / 'panels.sqlite'}", "panels") as panels,
            Service(challenges_url, "challenges") as challenges,
        ):
            services = (proposals, notifications, challenges, panels)
            ids = my_scene(*services, person_id(issuer))
            with serve_gateway(folder, issuer, **gateway_services(*services)) as url:
                yield Portal(url, ids)
    finally:
        drop_database(postgres_server_url, name)


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
