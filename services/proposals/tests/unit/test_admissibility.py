from proposals.domain.admissibility import check, title_key

GOOD_TEXT = "Plant fifty trees along the river so the park stays cool in summer."


def codes(reasons):
    return [r.code for r in reasons]


def test_a_proposal_that_meets_every_rule_is_admissible():
    assert check("More trees along the river", GOOD_TEXT, []) == ()


def test_too_short_and_too_long_fields_get_their_own_codes():
    assert codes(check("Trees", "Too short.", [])) == ["title_too_short", "text_too_short"]
    assert codes(check("T" * 10 + "x" * 200, "y" * 5001, [])) == ["title_too_long", "text_too_long"]


def test_a_title_in_capitals_is_shouting():
    assert codes(check("MORE TREES ALONG THE RIVER", GOOD_TEXT, [])) == ["shouting"]


def test_the_same_title_ignoring_case_accents_and_punctuation_is_a_duplicate():
    assert title_key("Meer bomen, langs de rivière!") == title_key("meer  BOMEN langs de riviere")
    assert codes(check("Meer bomen langs de rivière", GOOD_TEXT, [("meer bomen, langs de riviere", "x")])) == [
        "duplicate_title"
    ]
    assert check("Meer bomen langs de rivière", GOOD_TEXT, [("Minder auto's in de straat", "y")]) == ()


def test_the_same_text_under_another_title_is_a_duplicate():
    earlier = [("More green by the water", GOOD_TEXT.upper() + "  ")]
    assert codes(check("More trees along the river", GOOD_TEXT, earlier)) == ["duplicate_text"]


def test_contact_details_and_identity_numbers_are_refused_because_proposals_are_public():
    for leak in (
        "mail me at jan.peeters@example.be",
        "call 0471 23 45 67",
        "bel +32 9 123 45 67",
        "rr 85.07.30-033.61",
    ):
        assert codes(check("More trees along the river", f"{GOOD_TEXT} {leak}", [])) == ["personal_data"], leak
    assert check("More trees along the river", f"{GOOD_TEXT} Budget 12000 euro, 2027.", []) == ()
