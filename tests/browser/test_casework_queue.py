"""The officials' work queue in a real browser (issue 14, item 1): an official logs in on Keycloak's own
login page, and the cases the services' events announced (published to Kafka, consumed by the
deployed gateway's worker) are in the queue; filters, a saved view, a wrong filter, three languages, a
phone at 320 px without JavaScript. axe-core finds no WCAG 2.1 A/AA violation on any page reached.

The gateway runs as deployed (migrate, server, worker) on PostgreSQL and Kafka, with the demo realm's
Keycloak. Screenshots: /tmp/meemaken-screens/queue-*.png.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from keycloak_browser import TIMEOUT_MS, arrive, screenshot, sign_in_on_keycloak

from meemaken_events import EventFactory, catalogue
from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.keycloak import Keycloak
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.kafka]

ROOT = Path(__file__).resolve().parents[2]
TITLE = f"Veilige schoolstraten {uuid.uuid4().hex[:6]}"


def events() -> list[Any]:
    """A proposal past its answer deadline, a challenge in assessment (department culture), a panel."""
    from proposals.domain.model import ProposalAdmitted, SupportThresholdReached
    from proposals.integration.outgoing import envelope_for as proposal_envelope

    sys.path.insert(0, str(ROOT / "services" / "challenges" / "tests"))
    from challenge_builders import NOW, new_challenge

    from challenges.domain.gates import Facts, Window, check_gates
    from challenges.integration.outgoing import envelope_for as challenge_envelope
    from panels.domain.panel import PanelEvent
    from panels.integration.outgoing import envelope_for as panel_envelope

    source = "urn:meemaken:municipality:demo:system:"
    pid, author = uuid.uuid4(), uuid.uuid4()
    due = datetime.now(UTC) - timedelta(days=2) + timedelta(hours=1)  # "2 days late" for an hour
    found = [
        proposal_envelope(EventFactory(source + "proposals"), ProposalAdmitted(pid, "p", author, TITLE)),
        proposal_envelope(
            EventFactory(source + "proposals"), SupportThresholdReached(pid, "p", author, TITLE, 300, 300, due)
        ),
    ]
    c = new_challenge("uk")
    c.submit(NOW)
    c.acknowledge(NOW)
    c.start_admissibility_check(NOW)
    facts = Facts(NOW, True, (Window(NOW, NOW),), None, (), 1, "charity", 20, (), 0)
    c.record_gates(check_gates(c.profile, facts), NOW)
    found += [challenge_envelope(EventFactory(source + "challenges"), e) for e in c.events]
    details = {"mandate": "adviseren", "size": 24, "alternates": 4, "theme": "Klimaat", "referred_challenge_id": None}
    panel = PanelEvent("set_up", uuid.uuid4(), datetime.now(UTC), details)  # type: ignore[arg-type]
    found.append(panel_envelope(EventFactory(source + "panels"), panel))
    return found


def publish(bootstrap: str, envelopes: list[Any]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    for envelope in envelopes:
        key, value, headers = envelope.to_kafka()
        producer.send(catalogue()[envelope.type].topic, key=key, value=value, headers=headers)
    producer.flush(30)
    producer.close()


@pytest.fixture(scope="module")
def gateway(
    keycloak: Keycloak, postgres_server_url: str, kafka_bootstrap: str, tmp_path_factory: Any
) -> Iterator[Deployed]:
    port = free_port()
    env = {
        "MEEMAKEN_ENV": "development",
        "WEB_CONCURRENCY": "1",
        "MEEMAKEN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "MEEMAKEN_OIDC_ISSUER": keycloak.issuer,
        "MEEMAKEN_OIDC_CLIENT_ID": keycloak.client_id,
        "MEEMAKEN_OIDC_CLIENT_SECRET": keycloak.client_secret,
        "MEEMAKEN_OIDC_PROFILE": "keycloak",
    }
    database = create_database(postgres_server_url, f"browser_queue_{uuid.uuid4().hex[:8]}")
    deployed = deploy("gateway", database, kafka_bootstrap, tmp_path_factory.mktemp("queue"), env, port=port)
    publish(kafka_bootstrap, events())
    yield deployed
    assert deployed.stop() == [0, 0]


def check(page: Any, accessible: Any, name: str) -> str:
    """A screenshot, axe (WCAG 2.1 A and AA), one h1, no sideways scrolling; the page's HTML."""
    screenshot(page, f"queue-{name}")
    accessible(page)
    assert page.locator("h1").count() == 1, name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
    html: str = page.content()
    return html


def log_in(browser: Any, keycloak: Keycloak, gateway: Deployed, who: str, **options: Any) -> Any:
    """A new browser (Dutch; `options`: a phone's viewport, no JavaScript) logged in on Keycloak's page."""
    context = browser.new_context(locale="nl-BE", bypass_csp=True, **options)  # axe is injected as a script
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{gateway.url}/login?next=/desk/queue")
    sign_in_on_keycloak(page, keycloak, who)
    arrive(page, f"{gateway.url}/desk/queue")
    return page


def wait_for_item(page: Any, url: str, text: str, timeout: float = 90) -> None:
    """The worker consumes the events: reload until the item is there."""
    deadline = time.monotonic() + timeout
    page.goto(url)
    while text not in page.content():
        assert time.monotonic() < deadline, f"{text!r} did not reach the queue: {page.inner_text('main')[:500]}"
        time.sleep(1)
        page.goto(url)


def test_an_official_works_the_queue_built_from_the_services_events(browser, keycloak, gateway, accessible):
    page = log_in(browser, keycloak, gateway, "olivia")
    wait_for_item(page, f"{gateway.url}/desk/queue", TITLE)
    html = check(page, accessible, "default-nl")
    assert "Werkvoorraad" in html and "Termijn verstreken" in html and "2 dagen te laat" in html
    assert html.index(TITLE) < html.index("Klimaat")  # past its deadline: before the panel without one

    page.select_option("#service", "challenges")
    page.select_option("#department", "culture")
    page.click("text=Zaken tonen")
    page.wait_for_url("**/desk/queue?service=challenges&state=&department=culture**")  # the form's own query
    html = check(page, accessible, "filtered-nl")
    assert "De beoordeling scoren" in html and TITLE not in html and "1 open zaak" in html

    page.fill("#name", "Cultuur")
    page.click("button:has-text('Deze weergave bewaren')")
    page.wait_for_url("**/desk/queue?service=challenges&department=culture")
    html = check(page, accessible, "saved-nl")
    assert "Je weergave is bewaard." in html and ">Cultuur</a>" in html and "1 zaak" in html

    page.goto(f"{gateway.url}/desk/queue?service=mail&overdue=maybe")
    html = check(page, accessible, "error-nl")
    assert "Er is een probleem" in html and "Kies een domein uit de lijst." in html

    for lang, words in (("fr", "File de travail"), ("en", "Work queue")):
        page.goto(f"{gateway.url}/desk/queue?lang={lang}")
        assert words in check(page, accessible, f"default-{lang}")
    page.goto(f"{gateway.url}/desk/queue?lang=nl")
    page.click("button:has-text('Verwijderen')")
    assert "Je weergave is verwijderd." in check(page, accessible, "deleted-nl")
    page.context.close()


def test_the_queue_works_on_a_phone_and_without_javascript_and_refuses_a_resident(
    browser, keycloak, gateway, accessible
):
    phone = log_in(browser, keycloak, gateway, "pieter", viewport={"width": 320, "height": 640})
    wait_for_item(phone, f"{gateway.url}/desk/queue?overdue=1", TITLE)
    html = check(phone, accessible, "phone-overdue")
    assert TITLE in html and "Klimaat" not in html
    phone.context.close()

    plain = log_in(browser, keycloak, gateway, "quinten", java_script_enabled=False)
    plain.select_option("#service", "panels")
    plain.click("text=Zaken tonen")
    plain.wait_for_url("**/desk/queue?service=panels**")
    html = plain.content()
    assert "Klimaat" in html and TITLE not in html
    screenshot(plain, "queue-no-js")
    plain.context.close()

    resident = log_in(browser, keycloak, gateway, "anna")
    html = check(resident, accessible, "forbidden")
    assert TITLE not in html and "Werkvoorraad" not in html
    resident.context.close()


def test_an_official_opens_a_case_from_the_queue_notes_it_and_takes_it(browser, keycloak, gateway, accessible):
    """The case page (issue 14, item 2): history from the events, a note, an assignment; axe on each page,
    a phone at 320 px, and the note form without JavaScript."""
    page = log_in(browser, keycloak, gateway, "olivia")
    wait_for_item(page, f"{gateway.url}/desk/queue?service=challenges", "De beoordeling scoren")
    page.click("a:has-text('De beoordeling scoren')")
    page.wait_for_url("**/desk/cases/challenges/**")
    case_url = page.url
    html = check(page, accessible, "case-nl")
    assert "Geschiedenis" in html and "De groep diende het uitdaagrecht in" in html and "Interne notities" in html
    assert "Een besluit voorstellen" in html  # a next action of a case officer

    page.click("button:has-text('Notitie bewaren')")
    html = check(page, accessible, "case-note-error-nl")
    assert "Er is een probleem" in html and "Schrijf de notitie." in html
    page.fill("#text", "Begroting nagevraagd bij financiën.")
    page.click("button:has-text('Notitie bewaren')")
    html = check(page, accessible, "case-noted-nl")
    assert "Je notitie is bewaard." in html and "Begroting nagevraagd bij financiën." in html

    page.check("#to")
    page.fill("#reason", "Ik ken deze taak.")
    page.click("button:has-text('Toewijzen')")
    html = check(page, accessible, "case-assigned-nl")
    assert "De zaak is nu aan jou toegewezen." in html and "Aan jou toegewezen" in html and "Ik ken deze taak." in html
    for lang, words in (("fr", "Notes internes"), ("en", "Internal notes")):
        page.goto(f"{case_url}?lang={lang}")
        assert words in check(page, accessible, f"case-{lang}")
    page.context.close()

    phone = log_in(browser, keycloak, gateway, "olivia", viewport={"width": 320, "height": 640})
    phone.goto(case_url)
    assert "Ik ken deze taak." in check(phone, accessible, "case-phone")
    phone.context.close()

    plain = log_in(browser, keycloak, gateway, "olivia", java_script_enabled=False)
    plain.goto(case_url)
    plain.fill("#text", "Zonder JavaScript.")
    plain.click("button:has-text('Notitie bewaren')")
    assert "Zonder JavaScript." in plain.content()
    screenshot(plain, "queue-case-no-js")
    plain.context.close()


def test_deadline_alerts_and_a_mentor_for_the_group(browser, keycloak, gateway, accessible):
    """Deadline alerts and mentors (issue 14, items 4 and 5): the case officer takes the overdue proposal,
    gives its authors the mentor tess (by her reference code) and finds it among her alerts; the mentor
    sees the group with its deadline and writes guidance; the mobility department's supervisor reads the
    alerts and the breaches by department on a phone. axe on every page."""
    mentor = log_in(browser, keycloak, gateway, "tess")
    mentor.goto(f"{gateway.url}/account")
    code = mentor.inner_text("#reference").strip()
    mentor.goto(f"{gateway.url}/desk/mentoring")
    check(mentor, accessible, "mentor-no-groups")

    page = log_in(browser, keycloak, gateway, "olivia")
    wait_for_item(page, f"{gateway.url}/desk/queue?service=proposals", TITLE)
    page.locator("li.work-item", has_text=TITLE).locator("h3 a").click()
    page.wait_for_url("**/desk/cases/proposals/**")
    page.check("#to")
    page.fill("#reason", "Mijn dossier.")
    page.click("button:has-text('Toewijzen')")
    page.click("a:has-text('Mentoren van de groep')")
    html = check(page, accessible, "mentors-nl")
    assert "Nog geen mentor begeleidt deze groep." in html
    page.click("button:has-text('Mentor toewijzen')")
    html = check(page, accessible, "mentors-error-nl")
    assert "Er is een probleem" in html and "Vul de referentiecode van de mentor in" in html
    page.fill("#reference", code)
    page.click("button:has-text('Mentor toewijzen')")
    html = check(page, accessible, "mentors-assigned-nl")
    assert "De mentor begeleidt nu de groep" in html and code in html
    page.goto(f"{gateway.url}/desk/alerts")
    html = check(page, accessible, "alerts-nl")
    # her cards: this proposal, two days late, and any case an earlier test of the session gave her (a challenge
    # being assessed now carries its due date in its events, so it may be among her alerts too)
    mine = page.locator("section[aria-labelledby=assigned-title] li.work-item")
    count = mine.count()
    assert page.inner_text("#assigned-title") == (f"{count} zaken" if count > 1 else "1 zaak") + " toegewezen aan jou"
    assert "2 dagen te laat" in mine.filter(has_text=TITLE).inner_text()
    page.context.close()

    mentor.goto(f"{gateway.url}/desk/mentoring")
    assert TITLE in check(mentor, accessible, "mentor-groups")
    mentor.locator("li.work-item h3 a", has_text=TITLE).click()
    mentor.wait_for_url("**/desk/mentoring/proposals/**")
    mentor.fill("#text", "Vraag de schooldirectie om mee te tekenen.")
    mentor.click("form[action*='/desk/mentoring/'] button[type=submit]")
    assert "Vraag de schooldirectie om mee te tekenen." in check(mentor, accessible, "mentor-guidance")
    mentor.context.close()

    head = log_in(browser, keycloak, gateway, "vera", viewport={"width": 320, "height": 640})
    head.goto(f"{gateway.url}/desk/alerts")
    assert "In je diensten: mobility" in check(head, accessible, "alerts-supervisor-phone")
    head.click("a:has-text('Termijnen verstreken per dienst')")
    assert "Termijnen verstreken per dienst" in check(head, accessible, "alerts-overview-phone")
    head.context.close()
