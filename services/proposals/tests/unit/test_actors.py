"""The caller as the use cases see it: roles of the one role model, scopes per process, the role acted in."""

from uuid import uuid4

import pytest

from meemaken_kit.roles import Role
from proposals.domain.audit import ActedBy
from proposals.service_layer.actors import Actor, Forbidden, process_scope


def test_an_official_acts_in_the_first_role_they_hold_and_is_recorded_by_id_and_role():
    me = uuid4()
    both = Actor(me, frozenset({Role.DECISION_BODY, Role.CASE_OFFICER}))
    assert both.acting(Role.CASE_OFFICER, Role.DECISION_BODY) == ActedBy(me, "case_officer")
    assert both.acting(Role.DECISION_BODY, Role.CASE_OFFICER).role == "decision_body"
    with pytest.raises(Forbidden, match="administrator"):
        both.acting(Role.ADMINISTRATOR)


def test_a_scoped_role_holds_within_its_processes_only():
    scoped = Actor.official(Role.CASE_OFFICER, None, process_scope("mobility-2027"))
    assert scoped.acting(Role.CASE_OFFICER)  # holds the role at all: the check before the resource is read
    assert scoped.acting(Role.CASE_OFFICER, within="process:mobility-2027")
    with pytest.raises(Forbidden, match="holds for process:mobility-2027, not for process:budget-2027"):
        scoped.acting(Role.CASE_OFFICER, within="process:budget-2027")
    with pytest.raises(Forbidden, match="municipality-wide"):
        scoped.municipality_wide(Role.CASE_OFFICER)
    assert Actor.official().municipality_wide(Role.CASE_OFFICER).role == "case_officer"
    department = Actor.official(Role.CASE_OFFICER, None, "department:mobility")
    with pytest.raises(Forbidden):  # processes carry no department: such a scope reaches no process
        department.acting(Role.CASE_OFFICER, within="process:mobility-2027")


def test_residents_act_for_themselves_and_services_by_their_oauth_scope():
    me = uuid4()
    assert Actor.resident(me).as_resident() == me
    with pytest.raises(Forbidden):
        Actor.official().as_resident()
    notifications = Actor(None, frozenset({Role.SERVICE}), scope=frozenset({"voters:read"}))
    assert notifications.may("voters:read") and not notifications.may("contacts:write")
    assert not Actor(uuid4(), frozenset({Role.ADMINISTRATOR}), scope=frozenset({"voters:read"})).may("voters:read")
    with pytest.raises(Forbidden):
        notifications.acting(Role.CASE_OFFICER)  # a service is no person: it never acts as an official
