"""Who holds a role: named in the event, kept in an audience, or listed by the owning service."""

import uuid

from notifications_builders import panel_event, pseudonym, rejected

from notifications.domain.recipients import AudienceChange, audience_changes, audience_scopes, named_in_event


def test_the_initiator_and_panel_members_are_named_in_their_events():
    rep = uuid.uuid4()
    event = rejected(rep)
    assert named_in_event("initiator", event.type, dict(event.data)) == [str(rep)]
    member = pseudonym()
    selected = panel_event("member_selected", uuid.uuid4(), pseudonym=member)
    assert named_in_event("selected_members", selected.type, dict(selected.data)) == [member]


def test_case_roles_come_from_audiences_of_the_case_and_the_department():
    event = dict(rejected(uuid.uuid4()).data)
    assert audience_scopes("followers", event) == [f"challenge:{event['challenge_id']}"]
    assert audience_scopes("department_queue", event) == ["department:mobility"]
    composition = panel_event("composition_final", uuid.uuid4(), members=20)
    assert named_in_event("selected_members", composition.type, dict(composition.data)) == []


def test_panel_events_keep_the_members_audience_up_to_date():
    panel, new, old = uuid.uuid4(), pseudonym(), pseudonym()
    replaced = panel_event("member_replaced", panel, pseudonym=new, replaces=old)
    assert audience_changes(replaced.type, dict(replaced.data)) == [
        AudienceChange(f"panel:{panel}", "selected_members", new, True),
        AudienceChange(f"panel:{panel}", "selected_members", old, False),
    ]
