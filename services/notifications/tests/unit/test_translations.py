"""The texts live in gettext catalogues that translators edit: every sentence is translated in Dutch and
French with every plural form, the compiled catalogues are current, each message renders in each
language, counts and dates follow the language, and whatever an event carries is escaped in HTML."""

from datetime import date
from pathlib import Path

import pytest
from notifications_builders import sample

from meemaken_testkit.catalogues import gaps, marked
from notifications.domain.messages import LANGUAGES
from notifications.domain.templates import KEYS, digest, email_text, letter_html, render

SERVICE = Path(__file__).parents[2]
SOURCE = SERVICE / "src" / "notifications"
PATTERNS = ("domain/templates/**.txt", "domain/templates/**.html")
RESULTS = "org.meemaken.proposals.round.results_published.v1"
ENOUGH = "org.meemaken.proposals.proposal.threshold_reached.v1"
SCRIPT = '<script>alert("x")</script> & co'


def test_every_text_is_translated_to_dutch_and_french_and_the_catalogues_are_compiled():
    texts = marked(SOURCE, PATTERNS)
    assert len(texts) > 150 and any(isinstance(msgid, tuple) for _, msgid in texts)  # plurals too
    assert gaps(SOURCE, PATTERNS, SERVICE / "messages.pot", SOURCE / "translations", translated=("nl", "fr")) == []
    assert sorted(p.name for p in (SOURCE / "translations").iterdir()) == ["en", "fr", "nl"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_template_the_digest_and_a_letter_render_in_each_language(language):
    rendered = []
    for key in sorted(KEYS):
        event_type = _event_for(key)
        r = render(key, event_type, sample(event_type), language, "voters")
        assert r.language == language and r.subject and r.lines, key
        rendered.append(r)
    d = digest(rendered, "weekly", date(2026, 11, 23), language)
    assert len(d.items) == len(KEYS) and "23" in d.subject and "2026" in d.subject
    for r in (*rendered, d):
        html, text = r.html(), email_text(r)
        assert f'<html lang="{language}">' in html and "{{" not in html + text and "None" not in text
        assert "\n\n--\n" in text and "<" not in text.replace(SCRIPT, "")
    letter = letter_html(rendered[0], ("A. Resident",), date(2026, 11, 27))
    assert {"nl": "27 november 2026", "fr": "27 novembre 2026", "en": "27 November 2026"}[language] in letter


def _event_for(key):
    from notifications.domain.routing import ROUTES, Route

    return next(
        name
        for name, route in sorted(ROUTES.items())
        if isinstance(route, Route)
        for t in route.tells
        if t.template == key
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_an_event_carries_is_escaped_in_the_html_and_kept_as_is_in_the_text(language):
    data = sample(ENOUGH) | {"title": SCRIPT}
    r = render("proposal_news", ENOUGH, data, language, "followers")
    for html in (r.html(), letter_html(r, (SCRIPT, "Kerkstraat 1"), date(2026, 1, 1))):
        assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
        assert "<title>" in html and "&lt;script&gt;" in html.split("<title>")[1].split("</title>")[0]
    assert SCRIPT in r.subject and SCRIPT in r.text() and SCRIPT in email_text(r)
    challenge = sample("org.meemaken.challenges.challenge.submitted.v1") | {"department": SCRIPT}
    challenge["details"] = {"reason": SCRIPT, "grounds": [SCRIPT]}
    html = render("challenge_status", "org.meemaken.challenges.challenge.submitted.v1", challenge, language).html()
    assert "<script>" not in html and html.count("&lt;script&gt;") == 3  # the line, the reason, the ground
    results = render("budget_results", RESULTS, sample(RESULTS) | {"selected": [{"title": SCRIPT}]}, language)
    assert "<script>" not in results.html() and "<li>&lt;script&gt;" in results.html()
    assert "<script>" not in digest([r], "daily", date(2026, 1, 1), language).html()


@pytest.mark.parametrize(
    ("language", "count", "said"),
    [
        ("en", 1, "1 neighbour voted with you."),
        ("en", 2, "2 neighbours voted with you."),
        ("en", 1234, "1,234 neighbours voted with you."),
        ("nl", 1, "Samen met jou stemde 1 buurtbewoner mee."),
        ("nl", 1234, "Samen met jou stemden 1.234 buurtbewoners mee."),
        ("fr", 1, "1 habitant a voté avec vous."),
        ("fr", 2, "2 habitants ont voté avec vous."),
        ("fr", 1234, "1\u202f234 habitants ont voté avec vous."),
        ("fr", 1_000_000, "1\u202f000\u202f000 habitants ont voté avec vous."),  # CLDR's "many" form
    ],
)
def test_counts_take_the_languages_plural_and_number_format(language, count, said):
    r = render("budget_results", RESULTS, sample(RESULTS) | {"voters": count}, language, "followers")
    assert r.impact == said


@pytest.mark.parametrize(
    ("language", "count", "starts"),
    [("en", 1, "1 resident supports"), ("nl", 1, "1 inwoner steunt"), ("fr", 1, "1 habitant soutient"),
     ("en", 150, "150 residents support"), ("nl", 150, "150 inwoners steunen"), ("fr", 0, "0 habitant soutient")],
)  # fmt: skip
def test_support_is_counted_in_the_languages_plural(language, count, starts):
    r = render("proposal_news", ENOUGH, sample(ENOUGH) | {"supporters": count}, language, "initiator")
    assert r.lines[0].startswith(starts)
