"""Who acted is part of the case: each event and the audit trail carry it; eligibility of a representative
is judged on verified attributes, as the profile says."""

from uuid import uuid4

from challenge_builders import NOW, new_challenge

from challenges.adapters.rulebook import profiles
from challenges.adapters.serialization import from_document, to_document
from challenges.domain.challenge import ActedBy
from challenges.domain.rules import RepresentativeRule

ADULT_RESIDENT = {"age": 34, "resident": True, "municipality": "demo"}


def test_events_and_the_audit_trail_say_who_acted_and_in_which_role():
    c = new_challenge()
    representative = ActedBy(c.group.representative_id, "group_representative")
    c.acting = representative
    c.submit(NOW)
    c.acting = None  # the service's own steps
    c.acknowledge(NOW)
    officer = ActedBy(uuid4(), "case_officer")
    c.acting = officer
    c.start_admissibility_check(NOW)
    assert [e.by for e in c.events] == [representative, None, officer]
    assert [(a.action, a.by) for a in c.audit] == [
        ("submitted", representative),
        ("acknowledged", None),
        ("admissibility_check_started", officer),
    ]


def test_the_audit_trail_survives_storage_and_an_old_case_starts_it_from_its_history():
    c = new_challenge()
    c.acting = ActedBy(c.group.representative_id, "group_representative")
    c.submit(NOW)
    doc = to_document(c)
    again = from_document(c.id, c.task_id, c.department, c.status.value, c.version, doc)
    assert again.audit == c.audit and again.acting is None

    del doc["audit"]  # stored before there was an audit trail
    old = from_document(c.id, c.task_id, c.department, c.status.value, c.version, doc)
    assert [(a.action, a.from_status.value, a.to_status.value, a.by) for a in old.audit] == [
        ("submitted", "draft", "submitted", None)
    ]


def test_a_representative_is_of_age_and_where_the_profile_says_so_a_resident():
    rule = RepresentativeRule(min_age=18, resident=True)
    assert rule.refusal(ADULT_RESIDENT) is None
    assert "18 or over" in rule.refusal({**ADULT_RESIDENT, "age": 17})
    assert "live elsewhere" in rule.refusal({**ADULT_RESIDENT, "resident": False})
    assert "age is not known" in rule.refusal({"resident": True})
    assert "verify your residence" in rule.refusal({"age": 40})
    assert "age is not known" in rule.refusal({**ADULT_RESIDENT, "age": "34"})  # only a verified number counts
    assert RepresentativeRule(resident=False).refusal({"age": 40}) is None


def test_the_shipped_profiles_publish_their_representative_rule():
    assert {code: (p.representative.min_age, p.representative.resident) for code, p in profiles().items()} == {
        "flanders": (18, True),
        "netherlands": (18, True),
        "uk": (18, False),
    }
