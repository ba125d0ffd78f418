"""The queue's words: what each kind of item asks of an official, each state, each service, in plain
language (translated in the gateway's catalogues)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

SERVICES = {
    "proposals": _l("Proposals and budgets"),
    "challenges": _l("Right to Challenge"),
    "panels": _l("Citizen panels"),
}

WORK = {
    "answer_proposal": _l("Answer the proposal"),
    "prepare_round": _l("Prepare the budget round"),
    "review_feasibility": _l("Review the projects' feasibility"),
    "assess_project": _l("Assess the project's feasibility and cost"),
    "close_voting": _l("Follow the vote and close it"),
    "publish_results": _l("Publish the results"),
    "acknowledge": _l("Acknowledge receipt"),
    "check_admissibility": _l("Check admissibility"),
    "await_information": _l("Waiting for information from the group"),
    "handle_information": _l("Read the information the group sent"),
    "score_assessment": _l("Score the assessment"),
    "await_modification_reply": _l("Waiting for the group's reply to a modification"),
    "take_decision": _l("Take the decision"),
    "decide_objection": _l("Decide on the objection"),
    "draft_agreement": _l("Draft the agreement"),
    "review_execution": _l("Review the execution"),
    "import_pool": _l("Import the pool and confirm the quotas"),
    "draw_invitations": _l("Draw the invitations"),
    "follow_registrations": _l("Follow the registrations"),
    "run_draw": _l("Run the draw"),
    "confirm_composition": _l("Confirm the panel's composition"),
    "plan_sessions": _l("Plan the sessions"),
    "answer_recommendations": _l("Answer the recommendations"),
    "unknown": _l("Look at this case"),
}

STATES = {
    "proposals": {
        "admitted": _l("Proposal open for support"),
        "threshold_reached": _l("Proposal with enough support"),
        "opened": _l("Budget round opened"),
        "feasibility": _l("Budget round: feasibility review"),
        "voting": _l("Budget round: voting"),
        "closed": _l("Budget round: voting closed"),
        "proposed": _l("Budget project proposed"),
        "answered": _l("Proposal answered"),
        "declined": _l("Proposal declined"),
        "rejected": _l("Proposal not admitted"),
        "merged": _l("Proposal merged into another"),
        "split": _l("Proposal split into parts"),
        "results_published": _l("Budget round: results published"),
        "feasible": _l("Budget project found feasible"),
        "not_feasible": _l("Budget project found not feasible"),
    },
    "challenges": {
        "submitted": _l("Submitted"),
        "acknowledged": _l("Acknowledged"),
        "admissibility_check": _l("Admissibility check"),
        "information_requested": _l("Information requested"),
        "in_assessment": _l("In assessment"),
        "in_dialogue": _l("In dialogue"),
        "modification_proposed": _l("Modification proposed"),
        "decision_pending": _l("Decision pending"),
        "objection": _l("Objection lodged"),
        "accepted": _l("Accepted"),
        "agreement_drafting": _l("Agreement being drafted"),
        "under_review": _l("Under review"),
        "rejected": _l("Rejected"),
        "out_of_scope": _l("Out of scope"),
        "withdrawn": _l("Withdrawn"),
        "in_execution": _l("In execution"),
        "renewed": _l("Renewed"),
        "completed": _l("Completed"),
        "terminated": _l("Terminated"),
    },
    "panels": {
        "set_up": _l("Panel set up"),
        "recruiting": _l("Pool imported"),
        "inviting": _l("Invitations sent"),
        "pool_closed": _l("Registrations closed"),
        "drawing": _l("Draw running"),
        "draw_failed": _l("Draw failed"),
        "drawn": _l("Panel drawn"),
        "composed": _l("Composition final"),
        "deliberating": _l("Deliberating"),
        "recommendations": _l("Recommendations delivered"),
        "answered": _l("Recommendations answered"),
    },
}

SORTS = {
    "due": _l("Due date, soonest first"),
    "oldest": _l("Oldest case first"),
    "newest": _l("Most recently changed first"),
    "title": _l("Title"),
}

FLAGS = {
    "breached": _l("Deadline passed"),
    "near_breach": _l("Deadline near"),
    "on_time": _l("On time"),
    "none": _l("No deadline"),
}


def state_name(service: str, state: str) -> str:
    return str(STATES.get(service, {}).get(state, state))


def card_words(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The queue's items with their kind, service, state and deadline flag in words, each word translated
    once per page however many cards show it."""
    said: dict[tuple[str, str, str], str] = {}

    def word(family: str, key: str, service: str = "") -> str:
        found = said.get((family, key, service))
        if found is None:
            if family == "state":
                found = state_name(service, key)
            else:
                words = {"work": WORK, "service": SERVICES, "flag": FLAGS}[family]
                found = str(words.get(key, WORK["unknown"] if family == "work" else key))
            said[(family, key, service)] = found
        return found

    return [
        item
        | {
            "kind_name": word("work", item["kind"]),
            "service_name": word("service", item["service"]),
            "state_name": word("state", item["state"], item["service"]),
            "flag_name": word("flag", item["deadline"].flag),
        }
        for item in items
    ]
