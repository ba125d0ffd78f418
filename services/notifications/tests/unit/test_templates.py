"""Every routed event renders in Dutch, French and English: plain text and accessible HTML, with the status,
reasons, next step and deadline where the event has them; never points, badges or rankings."""

import pytest
from notifications_builders import NOW, sample

from meemaken_events import catalogue
from notifications.domain.messages import LANGUAGES
from notifications.domain.routing import ROUTES, Route
from notifications.domain.templates import letter_html, render

SCORE_WORDS = ("points", "punten", "badge", "ranking", "classement", "rangschikking", "leaderboard")


CASES = [
    (name, tell.template, role)
    for name, route in ROUTES.items()
    if isinstance(route, Route)
    for tell in route.tells
    for role in tell.roles
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("event_type", "template", "role"), CASES)
def test_every_routed_message_renders_in_each_language(event_type, template, role, language):
    r = render(template, event_type, sample(event_type), language, role)
    text, html = r.text(), r.html()
    assert r.subject and "{" not in r.subject + text and "None" not in text
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in html and "<h1>" in html
    assert not any(word in text.lower() for word in SCORE_WORDS)


def test_a_decision_gives_status_reasons_next_step_and_objection_deadline():
    data = sample("org.meemaken.challenges.challenge.rejected.v1")
    data["to_status"] = "rejected"
    data["details"] = {
        "outcome": "rejected",
        "grounds": ["insufficient_score"],
        "reason": "No maintenance plan.",
        "objection_until": "2026-12-27T10:00:00+00:00",
    }
    r = render("challenge_decided", "org.meemaken.challenges.challenge.rejected.v1", data, "nl", "initiator")
    assert r.subject == "Je uitdaging is afgewezen" and r.status == "afgewezen"
    assert "No maintenance plan." in r.reasons and "bezwaar" in (r.next_step or "")
    assert r.deadline == "27 december 2026"
    fr = render("challenge_decided", "org.meemaken.challenges.challenge.rejected.v1", data, "fr", "initiator")
    assert fr.deadline == "27 d\u00e9cembre 2026" and "recours" in (fr.next_step or "")


def test_budget_results_tell_voters_what_their_vote_helped_fund_and_others_only_the_results():
    data = sample("org.meemaken.proposals.round.results_published.v1")
    voter = render("budget_results", "org.meemaken.proposals.round.results_published.v1", data, "en", "voters")
    assert voter.items == ("Benches in the park",)
    assert voter.impact == "Your vote helped fund these projects. 1,234 neighbours voted with you."
    follower = render("budget_results", "org.meemaken.proposals.round.results_published.v1", data, "en", "followers")
    assert follower.impact == "1,234 neighbours voted with you."


def test_html_escapes_what_officials_typed():
    data = sample("org.meemaken.challenges.challenge.information_requested.v1")
    data["details"] = {"reason": "<script>alert(1)</script> & the accounts?", "due_at": NOW.isoformat()}
    r = render("information_requested", "org.meemaken.challenges.challenge.information_requested.v1", data, "en")
    assert "<script>" not in r.html() and "&lt;script&gt;" in r.html()


def test_a_letter_is_a_printable_page_with_the_address_block():
    data = sample("org.meemaken.panels.panel.invited.v1")
    r = render("panel_invitation", "org.meemaken.panels.panel.invited.v1", data, "nl", "invitee")
    page = letter_html(r, ("A. Resident", "Kerkstraat 1", "9000 Gent"), NOW.date())
    assert "@page{size:A4" in page and '<div class="address">A. Resident\nKerkstraat 1\n9000 Gent</div>' in page
    assert "27 november 2026" in page and "burgerpanel" in page


def test_every_catalogued_type_has_sample_data_that_validates_or_is_silent():
    for event_type in catalogue():
        route = ROUTES.get(event_type.name)
        if isinstance(route, Route):
            event_type.validate(sample(event_type.name))  # raises InvalidEvent naming what does not fit


def test_a_proposal_with_enough_support_tells_its_author_when_the_answer_is_due():
    data = sample("org.meemaken.proposals.proposal.threshold_reached.v1")
    r = render("proposal_news", "org.meemaken.proposals.proposal.threshold_reached.v1", data, "nl", "initiator")
    assert r.subject == "Het voorstel \u201cSafer school streets\u201d heeft genoeg steun"
    assert r.lines[0].startswith("150 inwoners steunen") and r.deadline == "27 november 2026"
    declined = dict(data, reasons=[{"code": "not_competent", "detail": "x"}])
    d = render("proposal_news", "org.meemaken.proposals.proposal.declined.v1", declined, "en", "initiator")
    assert d.reasons == ("The municipality has no power over this.",)


def test_a_deadline_warning_tells_the_officials_the_date():
    data = sample("org.meemaken.challenges.challenge.deadline_near_breach.v1")
    data["details"] = {"deadline": "decision", "due_at": "2027-01-15T09:00:00+00:00"}
    route = ROUTES["org.meemaken.challenges.challenge.deadline_near_breach.v1"]
    assert isinstance(route, Route)
    r = render(
        route.tells[0].template,
        "org.meemaken.challenges.challenge.deadline_near_breach.v1",
        data,
        "nl",
        "department_queue",
    )
    assert r.deadline == "15 januari 2027"
