"""The public decision notice: composed from coded grounds and criteria and from the texts an official
approved for publication; what officials write names no one; each profile judges and publishes as its
own law says (a weighted score and pass mark in Flanders and the Netherlands, considerations in words
and a procurement exercise under England's Localism Act)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from challenge_builders import NOW, admitted, assessed

from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.challenge import ActedBy, IllegalTransition, InvalidAction, PersonalDataFound
from challenges.domain.rules import criteria_set_from
from challenges.domain.states import Status

OFFICER = ActedBy(uuid4(), "case_officer")
NAMED = "Mevrouw Peeters vond het plan sterk."


def approve(c, part, text):
    c.acting = OFFICER
    c.approve_notice_text(NOW + timedelta(days=21), part, text)
    c.acting = None


def test_the_notice_publishes_approved_texts_and_no_working_text():
    c = assessed(admitted("flanders"), 3)
    approve(c, "cost", "The plan costs a fifth less at the same opening hours.")
    approve(c, "decision", "The group showed it can run the library for three years.")
    c.accept(NOW + timedelta(days=30), "Working note for the file: good plan.")
    notice = c.decision.notice
    assert "- Kost tegenover de huidige kost: 3,0 op 4. The plan costs a fifth less" in notice  # Flanders: Dutch
    assert "Redenen: The group showed it can run the library for three years." in notice
    assert "On cost." not in notice and "On quality." not in notice  # the assessors' own motivations
    assert "Checked with legal services." not in notice  # the officer's gate judgements
    assert "Working note for the file" not in notice  # the decision body's motivation, not approved


def test_approving_a_text_is_audited_with_the_official_and_replaces_an_earlier_one():
    c = assessed(admitted("flanders"), 3)
    approve(c, "quality", "First wording.")
    approve(c, "quality", "Opening hours and a yearly survey guarantee the quality.")
    assert [(t.part, t.text) for t in c.notice_texts] == [
        ("quality", "Opening hours and a yearly survey guarantee the quality.")
    ]
    event = c.events[-1]
    assert event.name == "notice_text_approved" and event.by == OFFICER
    assert event.details == {"part": "quality", "text": "Opening hours and a yearly survey guarantee the quality."}
    assert c.notice_texts[0].approved_by == OFFICER and c.audit[-1].by == OFFICER


def test_a_text_with_a_name_or_contact_data_is_refused_and_changes_nothing():
    c = assessed(admitted("flanders"), 3)
    before = (len(c.events), c.notice_texts)
    for text in (NAMED, "Ask de heer Van den Broeck.", "Mail info@buurtwerking.be", "Call 0470 12 34 56."):
        with pytest.raises(PersonalDataFound) as refused:
            approve(c, "cost", text)
        assert refused.value.field == "/text"
    assert "a person's name (characters 1-15)" in str(PersonalDataFound("/text", _findings(NAMED)))
    assert (len(c.events), c.notice_texts) == before


def _findings(text):
    from meemaken_kit.personal_data import find_personal_data

    return find_personal_data(text)


def test_a_text_is_approved_for_a_part_of_this_notice_and_before_the_decision():
    c = assessed(admitted("flanders"), 3)
    with pytest.raises(InvalidAction, match="not a part of this notice"):
        approve(c, "social_wellbeing", "An English consideration on a Flemish case.")
    c.accept(NOW + timedelta(days=30), "Good plan.")
    with pytest.raises(IllegalTransition):
        approve(c, "decision", "Too late: the notice is published.")


@pytest.mark.parametrize(
    ("act", "field"),
    [
        (lambda c: c.request_information(NOW, NAMED), "/question"),
        (lambda c: c.propose_modification(NOW, NAMED), "/text"),
        (lambda c: c.refer_to_panel(NOW, NAMED), "/question"),
        (lambda c: c.score(NOW, c.assessment.assessors[0], "cost", 2, NAMED), "/motivation"),
        (
            lambda c: c.propose_decision(
                NOW,
                {"legally_feasible": (True, "Lawful."), "no_harm": (True, NAMED), "not_frivolous": (True, "Serious.")},
            ),
            "/gates/no_harm/motivation",
        ),
    ],
)
def test_what_officials_write_names_no_one(act, field):
    c = admitted("flanders")
    c.assign_assessor(NOW, uuid4())
    for criterion in c.criteria.criteria:  # a complete assessment, so the gate judgements are read
        c.score(NOW, c.assessment.assessors[0], criterion.code, 3, "As argued.")
    before = (c.status, len(c.events), c.assessment)
    with pytest.raises(PersonalDataFound) as refused:
        act(c)
    assert refused.value.field == field and refused.value.findings[0].kind == "a person's name"
    assert (c.status, len(c.events), c.assessment) == before


def test_a_decision_whose_motivation_names_someone_is_refused():
    c = assessed(admitted("netherlands"), 3)
    with pytest.raises(PersonalDataFound):
        c.accept(NOW, "Na overleg met Jan Peeters aanvaard.")
    assert c.status is Status.DECISION_PENDING and c.decision is None


# --- each profile consistent with its own law ---------------------------------------------------


def test_each_profile_judges_on_its_own_criteria_set():
    assert {code: p.criteria_sets[0] for code, p in profiles().items()} == {
        "flanders": "flemish-default",
        "netherlands": "dutch-default",
        "uk": "england-localism-act",
    }
    england = criteria_sets()["england-localism-act"]
    assert not england.weighted and england.pass_mark is None
    assert [c.code for c in england.criteria] == ["social_wellbeing", "economic_wellbeing", "environmental_wellbeing"]
    assert all(c.weight == 0 and c.label.get("fr") for c in england.criteria)
    assert criteria_sets()["dutch-default"].weighted and criteria_sets()["flemish-default"].weighted


def test_under_the_localism_act_there_is_no_score_and_only_a_schedule_2_ground_rejects():
    c = admitted("uk")
    assessor = uuid4()
    c.assign_assessor(NOW, assessor)
    with pytest.raises(InvalidAction, match="considered, not scored"):
        c.score(NOW, assessor, "social_wellbeing", 3, "A score the Act does not have.")
    for criterion in c.criteria.criteria:
        c.score(NOW, assessor, criterion.code, None, f"On {criterion.code}: little change.")
    c.propose_decision(
        NOW,
        {
            "legally_feasible": (True, "Lawful."),
            "no_harm": (False, "No safeguarding policy."),
            "not_frivolous": (True, "Serious."),
        },
    )
    proposal = c.events[-1].details
    assert proposal == {"proposal": "reject", "grounds": ["unsuitable_body"]}  # no score in it
    approve(c, "no_harm", "The organisation has no safeguarding policy for work with children.")
    c.reject(NOW + timedelta(days=30), ("unsuitable_body",), "Unsuitable for now.")
    notice = c.decision.notice
    assert "The expression of interest is rejected." in notice  # the Act's own term
    assert "weighted score" not in notice and "pass mark" not in notice
    assert "Ground: The relevant body, a consortium member or subcontractor is not suitable" in notice
    assert "(SI 2012/1313 Sch. 2 para 3)" in notice
    assert (
        "Admissibility condition not met: Does no harm to residents, staff or public finances. The organisation"
        in notice
    )
    assert "- Social well-being of the area (Localism Act 2011 s.83(8)): considered by the assessors" in notice


def test_an_accepted_expression_of_interest_leads_to_procurement_in_the_notice():
    c = assessed(admitted("uk"), 0)  # no value: the builder scores only weighted sets
    assert c.events[-1].details == {"proposal": "accept", "grounds": []}
    approve(c, "economic_wellbeing", "Local staff are kept on and local suppliers used.")
    c.accept(NOW + timedelta(days=30), "Accepted.")
    notice = c.decision.notice
    assert "procurement exercise" in notice and "agreement with the group" not in notice
    assert "- Economic well-being of the area (Localism Act 2011 s.83(8)): Local staff are kept on" in notice
    assert "weighted score" not in notice


@pytest.mark.parametrize("profile_code", ["flanders", "netherlands"])
def test_a_municipal_regulation_publishes_its_weighted_score_and_pass_mark(profile_code):
    c = assessed(admitted(profile_code), 3)
    c.accept(NOW + timedelta(days=30), "Good plan.")
    assert "gewogen score 75% (drempel 60%)" in c.decision.notice
    assert "Volgende stap: een overeenkomst met de groep" in c.decision.notice


def test_a_criteria_set_that_mixes_weights_with_considered_scoring_is_refused():
    raw = {
        "code": "x",
        "name": {"en": "x"},
        "scoring": "considered",
        "pass_mark": 0.5,
        "criteria": [{"code": "a", "label": {"en": "a"}, "weight": 1, "scale": [0, 4], "guidance": {"en": "a"}}],
    }
    with pytest.raises(ValueError, match="weighted scoring"):
        criteria_set_from(raw)


def test_out_of_scope_is_declared_on_the_profiles_own_grounds_only():
    c = assessed(admitted("uk"), 0)
    with pytest.raises(InvalidAction, match="not a ground of profile uk"):
        c.decide_out_of_scope(NOW, "Outside the Act.", ("made_up",))
    assert c.decision is None
