"""Eligibility from verified facts: what a login says, what it lacks, and what the round's rule does then."""

import pytest

from proposals.domain.ballots import Eligibility, InvalidBallot, check_voter
from proposals.domain.eligibility import Facts, NotEligible, Unverified, check_supporter

GENT = {"age": 34, "municipality": "gent", "resident": True, "district": "Noord"}


@pytest.mark.parametrize(
    ("attributes", "facts"),
    [
        (GENT, Facts(34, True, "Noord")),
        ({}, Facts()),
        (GENT | {"municipality": "brugge"}, Facts(34, False, "Noord")),  # lives elsewhere
        (GENT | {"resident": False}, Facts(34, False, "Noord")),
        ({"resident": True}, Facts()),  # resident somewhere, but which municipality is not said: unknown
        ({"municipality": "gent"}, Facts()),  # the gateway's residence flag is missing: unknown
        ({"age": "34", "district": ""}, Facts()),  # malformed facts are no facts
        ({"age": True}, Facts()),
    ],
)
def test_facts_come_from_the_verified_attributes_of_the_login(attributes, facts):
    assert Facts.from_attributes(attributes, "gent") == facts


def test_a_round_refuses_minors_non_residents_and_other_districts_with_the_reason():
    rules = Eligibility(min_age=16, residents_only=True, districts=("Noord",))
    check_voter(rules, Facts(16, True, "Noord"), "gent")
    for facts, says in [
        (Facts(15, True, "Noord"), "at least 16"),
        (Facts(30, False, "Noord"), "Only residents of gent"),
        (Facts(30, True, "Zuid"), "residents of Noord"),
        (Facts(None, False, None), "Only residents of gent"),  # a known refusal wins over what is unknown
    ]:
        with pytest.raises(NotEligible, match=says) as refused:
            check_voter(rules, facts, "gent")
        assert not isinstance(refused.value, Unverified)


def test_a_missing_fact_sends_the_resident_to_the_desk_or_is_refused_as_the_round_says():
    desk = Eligibility(min_age=16, districts=("Noord",))
    with pytest.raises(Unverified) as unknown:
        check_voter(desk, Facts(None, True, None), "gent")
    assert unknown.value.missing == ("age", "district")
    message = str(unknown.value)
    assert "does not say how old you are or which district you live in" in message
    assert "desk" in message and "paper" in message

    refuse = Eligibility(unverified="refuse")
    with pytest.raises(Unverified) as unknown:
        check_voter(refuse, Facts(40, None, None), "gent")
    assert "whether you live in gent" in str(unknown.value) and "cannot take yours" in str(unknown.value)


def test_what_a_round_does_not_ask_need_not_be_known():
    check_voter(Eligibility(min_age=0, residents_only=False), Facts(), "gent")
    with pytest.raises(Unverified, match="which district"):  # a district's project on the ballot needs it
        check_voter(Eligibility(min_age=0, residents_only=False), Facts(), "gent", ["Noord", None])
    check_voter(Eligibility(min_age=0, residents_only=False), Facts(), "gent", [None, "theme:green"])


def test_the_rule_for_a_missing_fact_is_desk_or_refuse():
    assert Eligibility().unverified == "desk"
    with pytest.raises(InvalidBallot):
        Eligibility(unverified="guess")


def test_supporters_are_verified_residents_of_the_process_municipality():
    check_supporter(Facts(resident=True), "gent")
    with pytest.raises(NotEligible, match="you live elsewhere"):
        check_supporter(Facts(resident=False), "gent")
    with pytest.raises(Unverified, match="whether you live in gent"):
        check_supporter(Facts(), "gent")
