"""The decision notice is published in the case's language (Dutch in Flanders and the Netherlands,
English under the Localism Act), and reads as well in French and the others: its sentences come from
gettext catalogues translated in full, with dates, scores and terms in the language's own forms."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from challenge_builders import NOW, admitted, assessed

from challenges.domain.notice import decision_notice
from meemaken_testkit.catalogues import gaps

SERVICE = Path(__file__).parents[2]
SOURCE = SERVICE / "src" / "challenges"
OUTCOMES = ("accepted", "accepted_with_modifications", "rejected", "out_of_scope")
SAID = {  # (the outcome, the date, the objection window) as each language says them
    "nl": ("De uitdaging is aanvaard.", "2 maart 2026", "binnen 30 dagen na deze beslissing"),
    "fr": ("Le défi est accepté.", "2 mars 2026", "dans un délai de 30 jours à compter de cette décision"),
    "en": ("The challenge is accepted.", "2 March 2026", "within 30 days of this decision"),
}


def test_every_sentence_of_the_notice_is_translated_to_dutch_and_french_and_compiled():
    found = gaps(SOURCE, ("templates/**.txt",), SERVICE / "messages.pot", SOURCE / "translations", ("nl", "fr"))
    assert found == []


def test_the_notice_is_published_in_the_cases_language():
    flemish = assessed(admitted("flanders"), 3)
    flemish.accept(NOW + timedelta(days=30), "Good plan.")
    assert (
        flemish.decision.notice.startswith("Beslissing van ") and "De uitdaging is aanvaard." in flemish.decision.notice
    )
    english = assessed(admitted("uk"), None)
    english.accept(NOW + timedelta(days=30), "Good plan.")
    assert "The expression of interest is accepted." in english.decision.notice


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("profile_code", ["flanders", "netherlands", "uk"])
def test_the_notice_reads_in_each_language(profile_code, language):
    c = assessed(admitted(profile_code), None if profile_code == "uk" else 3)
    for outcome in OUTCOMES:
        notice = decision_notice(c, outcome, ("insufficient_score",), c.submitted_at, language)
        assert "{" not in notice and "%(" not in notice and "None" not in notice
        if language != "en":  # no English sentence left but the data's own (legal basis, references)
            assert not any(w in notice for w in ("Decision of", "Ground:", "Assessment (", "objection may"))
    outcome, date, window = SAID[language]
    notice = decision_notice(c, "accepted", (), NOW, language)
    assert date in notice and (outcome in notice) == (profile_code != "uk")  # the Act: an expression of interest
    assert (window in notice) == (profile_code == "flanders")  # 30 days; the Netherlands six weeks, England 28 days


@pytest.mark.parametrize(
    ("window", "language", "said"),
    [
        ("P1D", "nl", "binnen 1 dag na"),
        ("P1D", "fr", "dans un délai de 1 jour"),
        ("P1D", "en", "within 1 day of"),
        ("P1Y2M", "nl", "binnen 1 jaar en 2 maanden na"),
        ("P1Y1M3D", "fr", "dans un délai de 1 an, 1 mois et 3 jours"),
        ("P6W", "en", "within 42 days of"),
    ],
)
def test_the_objection_window_is_counted_in_the_languages_words(window, language, said):
    c = assessed(admitted("flanders"), 3)
    c.profile = replace(c.profile, deadlines=replace(c.profile.deadlines, objection_window=window))
    assert said in decision_notice(c, "rejected", ("insufficient_score",), NOW, language)
