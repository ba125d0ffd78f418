"""The next actions on a case as plain Python: what the case's work asks, which of the services'
actions answer it, and which roles may take each (the services decide in the end; the page only
offers what the session's roles allow).

Each action may name the page that takes it (a path with ``{case_id}``); the case page links to it only
where the gateway serves that page, and otherwise names the action without a link.

This table is the one list of who may take each action: the action pages read their roles from it
(:func:`roles_of`), so the case page never offers what the page behind the link refuses. Administrators
are not in it: their role is operations (delivery logs, audit listings), and the services refuse them
these actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OFFICER, ASSESSOR, DECISION = "case_officer", "assessor", "decision_body"
COORDINATOR = "panel_coordinator"


@dataclass(frozen=True)
class Action:
    code: str  # its words are in gateway.casework.case_labels.ACTIONS
    roles: frozenset[str]
    path: str | None = None  # the gateway's page for it, e.g. "/desk/proposals/{case_id}"

    def link(self, case_id: str) -> str | None:
        return None if self.path is None else self.path.format(case_id=case_id)


def _a(code: str, *roles: str, path: str | None = None) -> Action:
    return Action(code, frozenset(roles), path)


PROPOSAL_PAGE = "/desk/proposals/{case_id}"
CHALLENGE_PAGE = "/desk/challenges/{case_id}"
PANEL_PAGE = "/desk/panels/{case_id}"
ROUND_PAGE = "/desk/budgets/{case_id}"
ACTIONS: dict[str, tuple[Action, ...]] = {
    # proposals and budget rounds
    "answer_proposal": (
        _a("answer", OFFICER, DECISION, path=PROPOSAL_PAGE),
        _a("decline", OFFICER, path=PROPOSAL_PAGE),
        _a("merge", OFFICER, path=PROPOSAL_PAGE),
        _a("split", OFFICER, path=PROPOSAL_PAGE),
    ),
    # a round's steps and its projects' reviews: the proposals service takes them from a case officer only
    "prepare_round": (_a("start_feasibility", OFFICER, path=ROUND_PAGE + "/feasibility"),),
    "review_feasibility": (_a("open_voting", OFFICER, path=ROUND_PAGE + "/voting"),),
    "assess_project": (_a("assess_project", OFFICER, path=ROUND_PAGE),),  # case id: <round>/<project>
    "close_voting": (_a("close_voting", OFFICER, path=ROUND_PAGE + "/close"),),
    "publish_results": (_a("publish_results", OFFICER, DECISION, path=ROUND_PAGE + "/results"),),
    # Right to Challenge
    # (the challenges service acknowledges and runs the automatic gates itself: the challenge's page shows them)
    "acknowledge": (_a("acknowledge", OFFICER, path=CHALLENGE_PAGE),),
    "check_admissibility": (
        _a("run_gates", OFFICER, path=CHALLENGE_PAGE),
        _a("override_gate", OFFICER, DECISION, path=CHALLENGE_PAGE + "/decision-proposal"),
        _a("request_information", OFFICER, path=CHALLENGE_PAGE + "/information-request"),
        _a("declare_out_of_scope", DECISION, path=CHALLENGE_PAGE + "/out-of-scope"),
    ),
    "await_information": (_a("extend_term", OFFICER, path=CHALLENGE_PAGE + "/extension"),),
    "handle_information": (
        _a("run_gates", OFFICER, path=CHALLENGE_PAGE),
        _a("open_assessment", OFFICER, path=CHALLENGE_PAGE),
    ),
    "score_assessment": (
        _a("score_criterion", ASSESSOR, path=CHALLENGE_PAGE + "/scores"),
        _a("assign_assessor", OFFICER, path=CHALLENGE_PAGE + "/assessors"),
        _a("propose_modification", OFFICER, path=CHALLENGE_PAGE + "/modification"),
        _a("propose_decision", OFFICER, DECISION, path=CHALLENGE_PAGE + "/decision-proposal"),
    ),
    "await_modification_reply": (_a("extend_term", OFFICER, path=CHALLENGE_PAGE + "/extension"),),
    "take_decision": (
        _a("take_decision", DECISION, path=CHALLENGE_PAGE + "/decision"),
        _a("extend_term", OFFICER, path=CHALLENGE_PAGE + "/extension"),
    ),
    "decide_objection": (_a("decide_objection", DECISION, path=CHALLENGE_PAGE + "/objection-decision"),),
    "draft_agreement": (_a("draft_agreement", OFFICER, path=CHALLENGE_PAGE),),
    "review_execution": (
        _a("schedule_review", OFFICER, path=CHALLENGE_PAGE),
        _a("renew", DECISION, path=CHALLENGE_PAGE + "/review-conclusion"),
        _a("terminate", DECISION, path=CHALLENGE_PAGE + "/termination"),
    ),
    # citizen panels
    "import_pool": (
        _a("edit_quotas", COORDINATOR, path=PANEL_PAGE + "/quotas"),
        _a("import_pool", COORDINATOR, path=PANEL_PAGE + "/pool"),
    ),
    "draw_invitations": (_a("draw_invitations", COORDINATOR, path=PANEL_PAGE + "/invitations"),),
    "follow_registrations": (_a("close_registrations", COORDINATOR, path=PANEL_PAGE + "/registrations"),),
    "run_draw": (_a("run_draw", COORDINATOR, path=PANEL_PAGE + "/selection"),),
    "confirm_composition": (
        _a("confirm_composition", COORDINATOR, path=PANEL_PAGE + "/members"),
        _a("replace_member", COORDINATOR, path=PANEL_PAGE + "/members"),
    ),
    "plan_sessions": (
        _a("plan_session", COORDINATOR, path=PANEL_PAGE + "/sessions"),
        _a("record_recommendations", COORDINATOR, path=PANEL_PAGE + "/recommendations"),
    ),
    # the panels service takes the municipality's answer from the decision body only; the coordinator reads it
    "answer_recommendations": (_a("answer_recommendations", DECISION, path=PANEL_PAGE + "/answers"),),
}


def next_actions(kind: str | None, is_open: bool, roles: Sequence[str]) -> list[Action]:
    """The actions an official with these roles may take on an open case whose work is ``kind``."""
    if not is_open or kind is None:
        return []
    return [a for a in ACTIONS.get(kind, ()) if not a.roles.isdisjoint(roles)]


def roles_of(kind: str, *codes: str) -> tuple[str, ...]:
    """Who may take these actions of this kind of work (any of them), for an action page's ``@allow``."""
    found = [a for a in ACTIONS[kind] if a.code in codes]
    if len(found) != len(codes):
        raise KeyError(f"{kind} has no action {sorted(set(codes) - {a.code for a in found})}")
    return tuple(sorted(set().union(*(a.roles for a in found))))
