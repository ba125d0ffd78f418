"""One list of who may take each action: the case page's table of next actions
(gateway.casework.next_actions). Every action page declares exactly the roles of the actions it takes,
so the case page never links an official to a page that refuses them (administrators, whose role is
operations, are offered none and refused all)."""

from __future__ import annotations

from gateway.casework.next_actions import ACTIONS, next_actions, roles_of
from meemaken_kit.auth import allowed_roles

# endpoint -> (kind of work, the actions it takes); the pages that take the table's actions
PAGES = {
    "proposal_actions.answer": ("answer_proposal", ("answer",)),
    "proposal_actions.answer_form": ("answer_proposal", ("answer",)),
    "proposal_actions.awaiting": ("answer_proposal", ("answer",)),
    "proposal_actions.proposal": ("answer_proposal", ("answer",)),
    "proposal_actions.act": ("answer_proposal", ("decline", "merge", "split")),
    "budget_actions.phase_step": ("prepare_round", ("start_feasibility",)),  # and open_voting, close_voting
    "budget_actions.review": ("assess_project", ("assess_project",)),
    "budget_actions.results": ("publish_results", ("publish_results",)),
    "panel_actions.quotas": ("import_pool", ("edit_quotas",)),
    "panel_actions.pool": ("import_pool", ("import_pool",)),
    "panel_actions.invitations": ("draw_invitations", ("draw_invitations",)),
    "panel_actions.close": ("follow_registrations", ("close_registrations",)),
    "panel_actions.selection": ("run_draw", ("run_draw",)),
    "panel_actions.draw": ("run_draw", ("run_draw",)),
    "panel_actions.members": ("confirm_composition", ("confirm_composition", "replace_member")),
    "panel_actions.sessions": ("plan_sessions", ("plan_session",)),
    "panel_actions.recommendations": ("plan_sessions", ("record_recommendations",)),
    "panel_actions.answer": ("answer_recommendations", ("answer_recommendations",)),
}


def test_each_action_page_allows_exactly_the_roles_the_case_page_offers_it_to(make_gateway):
    app = make_gateway(None)
    for endpoint, (kind, codes) in PAGES.items():
        methods = {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods or ()} - {"HEAD", "OPTIONS"}
        assert methods, endpoint
        for method in methods:
            assert allowed_roles(app, endpoint, method) == frozenset(roles_of(kind, *codes)), (endpoint, method)


def test_administrators_are_offered_no_action_and_the_pages_refuse_them(make_gateway):
    app = make_gateway(None)
    assert all(next_actions(kind, True, ["administrator"]) == [] for kind in ACTIONS)
    for endpoint in PAGES:
        methods = {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods or ()} - {"HEAD", "OPTIONS"}
        assert all("administrator" not in (allowed_roles(app, endpoint, m) or ()) for m in methods)
