"""Every catalogued event is either routed to people or explicitly silent, and every route can be written."""

import re

import pytest

from meemaken_events import catalogue
from notifications.domain.routing import ROLES, ROUTES, SILENT, TOPICS, Route, route_of, routed_types
from notifications.domain.templates import KEYS


def test_every_catalogued_event_type_is_routed_or_explicitly_silent():
    undecided = sorted(t.name for t in catalogue() if t.name not in ROUTES)
    assert undecided == [], f"add these types to the routing table (routed or SILENT): {undecided}"


def test_routes_name_known_roles_topics_and_templates():
    for name, route in ROUTES.items():
        assert re.match(r"^org\.meemaken\.[a-z_.]+\.v[0-9]+$", name)
        if route == SILENT:
            continue
        assert isinstance(route, Route) and route.topic in TOPICS and route.tells, name
        for tell in route.tells:
            assert set(tell.roles) <= set(ROLES) and tell.roles, name
            assert tell.template in KEYS, f"{name}: no template {tell.template}"


def test_decisions_and_deadlines_are_legally_required_and_invitations_go_by_letter():
    decided = route_of("org.meemaken.challenges.challenge.rejected.v1")
    assert decided is not None
    assert [t.legally_required for t in decided.tells if "initiator" in t.roles] == [True]
    near = route_of("org.meemaken.challenges.challenge.deadline_near_breach.v1")
    assert near is not None and near.tells[0].legally_required
    assert set(near.tells[0].roles) == {"assigned_officials", "department_queue"}
    invited = route_of("org.meemaken.panels.panel.invited.v1")
    assert invited is not None and invited.tells[0].channels == ("letter",)
    assert route_of("org.meemaken.challenges.challenge.draft_saved.v1") is None


@pytest.mark.parametrize("name", ["org.meemaken.proposals.round.results_published.v1"])
def test_budget_results_go_to_the_voters(name):
    route = route_of(name)
    assert route is not None and route.topic == "budget" and "voters" in route.tells[0].roles
    assert name in routed_types()
