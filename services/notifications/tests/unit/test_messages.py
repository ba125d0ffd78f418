"""A proposal's check, told to its author: the title in each language, every rejection code in words."""

import pytest

from notifications.domain.messages import LANGUAGES
from notifications.domain.templates import render
from notifications.domain.templates.layout import parts

ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"
REJECTED = "org.meemaken.proposals.proposal.rejected.v1"
CODES = sorted(parts("en", "labels.txt")["PROPOSAL_REASONS"])


def rejected(language: str, *reasons: tuple[str, str]):
    data = {"title": "Trees", "reasons": [{"code": c, "detail": d} for c, d in reasons]}
    return render("proposal_rejected", REJECTED, data, language, "initiator")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admitted_proposal_is_announced_with_its_title_in_each_language(language):
    r = render("proposal_admitted", ADMITTED, {"title": "Safer school streets"}, language, "initiator")
    assert "Safer school streets" in r.subject and "Safer school streets" in r.text()


def test_the_rejection_codes_are_the_proposals_services():
    assert CODES == ["duplicate_title", "shouting", "text_too_long", "text_too_short", "title_too_long",
                     "title_too_short"]  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", CODES)
def test_every_rejection_code_is_explained_in_each_language(language, code):
    r = rejected(language, (code, "fallback"))
    assert r.reasons == (parts(language, "labels.txt")["PROPOSAL_REASONS"][code],)
    assert "fallback" not in r.text()
    assert language == "en" or r.reasons != rejected("en", (code, "fallback")).reasons  # translated


def test_an_unknown_code_falls_back_to_the_detail_and_an_unknown_language_to_dutch():
    r = rejected("de", ("new_rule", "Explained by the producer."))
    assert "Explained by the producer." in r.reasons
    assert r == rejected("nl", ("new_rule", "Explained by the producer."))
    assert r.subject == "Je voorstel \u201cTrees\u201d kan nog niet verder"
