"""Which channels a person hears on: their preferences, unless the law says they must be told."""

import pytest

from notifications.domain.people import Contact, InvalidPreferences, Plan, Preferences, plan
from notifications.domain.routing import Tell

NEWS = Tell(("initiator",), "challenge_status")
DECISION = Tell(("initiator",), "challenge_decided", legally_required=True)
LETTER = Tell(("invitee",), "panel_invitation", channels=("letter",))


def person(email="a@example.org", address=(), **prefs):
    return Contact("p", email, address, Preferences(**prefs))


def test_without_preferences_a_resident_hears_in_the_inbox_and_by_email():
    assert plan(NEWS, "challenge", person(), has_inbox=True) == Plan(("inapp", "email"))
    assert plan(NEWS, "challenge", None, has_inbox=True) == Plan(("inapp",))


def test_a_muted_topic_sends_nothing_except_what_the_law_requires():
    muted = person(muted_topics=("challenge",), channels=("email",))
    assert plan(NEWS, "challenge", muted, has_inbox=True) == Plan(())
    assert plan(DECISION, "challenge", muted, has_inbox=True) == Plan(("email",))


def test_digests_hold_email_but_never_a_legally_required_message():
    daily = person(digest="daily")
    assert plan(NEWS, "challenge", daily, has_inbox=True) == Plan(("inapp", "email"), held_for_digest=True)
    assert plan(DECISION, "challenge", daily, has_inbox=True) == Plan(("inapp", "email"))


def test_a_legally_required_message_finds_a_channel_even_when_the_person_chose_none():
    nothing = person(email=None, address=("Kerkstraat 1",), channels=())
    assert plan(DECISION, "challenge", nothing, has_inbox=False) == Plan(("letter",))
    assert plan(DECISION, "challenge", person(channels=()), has_inbox=True) == Plan(("inapp", "email"))


def test_panel_invitations_go_by_letter_whatever_the_preferences():
    assert plan(LETTER, "panel", person(address=("x",)), has_inbox=False) == Plan(("letter",))


def test_preferences_outside_the_offer_are_refused():
    with pytest.raises(InvalidPreferences):
        Preferences(language="de")
    with pytest.raises(InvalidPreferences):
        Preferences(digest="hourly")
    with pytest.raises(InvalidPreferences):
        Preferences(muted_topics=("everything",))
