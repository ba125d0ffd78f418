import pytest

from notifications.domain.messages import LANGUAGES, REASONS, Reason, proposal_admitted, proposal_rejected


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admitted_proposal_is_announced_with_its_title_in_each_language(language):
    subject, body = proposal_admitted("Safer school streets", language)
    assert "Safer school streets" in subject and "Safer school streets" in body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_rejection_code_is_explained_in_each_language(language, code):
    _subject, body = proposal_rejected("Trees", [Reason(code, "fallback")], language)
    assert REASONS[code][language] in body
    assert "fallback" not in body


def test_an_unknown_code_falls_back_to_the_detail_and_an_unknown_language_to_dutch():
    _subject, body = proposal_rejected("Trees", [Reason("new_rule", "Explained by the producer.")], "de")
    assert "Explained by the producer." in body
    assert body == proposal_rejected("Trees", [Reason("new_rule", "Explained by the producer.")], "nl")[1]
