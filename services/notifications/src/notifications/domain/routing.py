"""Who must hear about which event, as data: one route per catalogued event type, or silence.

A route names the people by their role in the case (the initiator, the officials whose queue it
lands in, the voters of a round...), the topic a resident may opt out of, and whether the law
requires that they are told (a decision on your challenge, a deadline you must meet): those
messages ignore opt-outs and digests. Which ids hold each role is the recipients resolver's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.domain.recipients import fields_needed
from notifications.domain.templates import FIELDS

ROLES = (
    "initiator",  # the resident acting for a challenge's group, or a proposal's author
    "co_initiators",
    "group_members",
    "assigned_officials",
    "department_queue",
    "followers",
    "voters",
    "selected_members",
    "alternates",
    "invitee",  # a resident drawn for a panel invitation (by letter)
    "respondent",  # a resident who answered a panel invitation
    "officials_concerned",  # officials a gateway's deadline alert names: the case's assignee, its supervisors
)

TOPICS = ("challenge", "work_queue", "deadline", "panel", "proposal", "budget")
CHANNELS = ("inapp", "email", "letter")


@dataclass(frozen=True)
class Tell:
    """One audience of an event: these roles get this template."""

    roles: tuple[str, ...]
    template: str
    legally_required: bool = False
    channels: tuple[str, ...] | None = None  # None: the recipient's own choice of channels


@dataclass(frozen=True)
class Route:
    topic: str
    tells: tuple[Tell, ...]


SILENT = "silent"
RESIDENTS = ("initiator", "co_initiators")
GROUP = ("initiator", "co_initiators", "group_members")
OFFICIALS = ("assigned_officials", "department_queue")


def _challenge(template: str = "challenge_status", legal: bool = False, roles: tuple[str, ...] = RESIDENTS) -> Route:
    return Route("challenge", (Tell(roles, template, legal),))


def _work(template: str = "work_arrived") -> Route:
    return Route("work_queue", (Tell(OFFICIALS, template),))


def _decided() -> Route:
    return Route(
        "challenge",
        (Tell(GROUP, "challenge_decided", legally_required=True), Tell(("followers",), "challenge_decided")),
    )


def _deadline(template: str) -> Route:
    return Route("deadline", (Tell(OFFICIALS, template, legally_required=True),))


def _panel(template: str, roles: tuple[str, ...], channels: tuple[str, ...] | None = None) -> Route:
    return Route("panel", (Tell(roles, template, channels=channels),))


def _proposal(legal: bool = False) -> Route:
    """The author hears (the law requires an answer to them), followers hear too."""
    return Route("proposal", (Tell(("initiator",), "proposal_news", legal), Tell(("followers",), "proposal_news")))


def _followers() -> Route:
    return Route("proposal", (Tell(("followers",), "proposal_news"),))


C = "org.meemaken.challenges.challenge."
P = "org.meemaken.panels."
R = "org.meemaken.proposals."

ROUTES: dict[str, Route | str] = {
    # Right to Challenge: the group hears every step of its case, officials hear what lands in their queue.
    f"{C}draft_saved.v1": SILENT,
    f"{C}submitted.v1": Route(
        "challenge", (Tell(RESIDENTS, "challenge_status"), Tell(("department_queue",), "work_arrived"))
    ),
    f"{C}acknowledged.v1": _challenge(legal=True),
    f"{C}admissibility_check_started.v1": SILENT,
    f"{C}gates_checked.v1": SILENT,
    f"{C}information_requested.v1": _challenge("information_requested", legal=True),
    f"{C}information_supplied.v1": _work(),
    f"{C}assessment_opened.v1": Route(
        "challenge", (Tell(RESIDENTS, "challenge_status"), Tell(("department_queue",), "work_arrived"))
    ),
    f"{C}assessor_assigned.v1": Route("work_queue", (Tell(("assigned_officials",), "work_arrived"),)),
    f"{C}scored.v1": SILENT,
    f"{C}notice_text_approved.v1": SILENT,  # published with the decision, which the group hears of
    f"{C}dialogue_started.v1": _challenge(),
    f"{C}modification_proposed.v1": _challenge(legal=True),
    f"{C}modification_accepted.v1": _work(),
    f"{C}modification_declined.v1": _work(),
    f"{C}decision_proposed.v1": Route("work_queue", (Tell(("department_queue",), "work_arrived"),)),
    f"{C}accepted.v1": _decided(),
    f"{C}rejected.v1": _decided(),
    f"{C}declared_out_of_scope.v1": _decided(),
    f"{C}admission_refused.v1": _decided(),
    f"{C}objection_lodged.v1": Route(
        "challenge", (Tell(RESIDENTS, "challenge_status"), Tell(OFFICIALS, "work_arrived"))
    ),
    f"{C}objection_upheld.v1": _challenge(legal=True, roles=GROUP),
    f"{C}objection_dismissed.v1": _challenge(legal=True, roles=GROUP),
    f"{C}decision_final.v1": _challenge(roles=GROUP),
    f"{C}decision_term_extended.v1": _challenge(legal=True),
    f"{C}deadline_near_breach.v1": _deadline("deadline_near"),
    f"{C}deadline_breached.v1": _deadline("deadline_breached"),
    f"{C}referred_to_panel.v1": _challenge(roles=GROUP),
    f"{C}agreement_drafting_started.v1": _challenge(),
    f"{C}execution_started.v1": _challenge(roles=(*GROUP, "followers")),
    f"{C}review_started.v1": _challenge(),
    f"{C}renewed.v1": _challenge(roles=(*GROUP, "followers")),
    f"{C}completed.v1": _challenge(roles=(*GROUP, "followers")),
    f"{C}terminated.v1": _challenge(legal=True, roles=(*GROUP, "followers")),
    f"{C}withdrawn.v1": _work(),
    # Citizen panels: invitations go by letter (the register has addresses, not e-mail); the drawn hear by
    # their own channels; the audit steps are public pages, not messages.
    f"{P}panel.set_up.v1": SILENT,
    f"{P}panel.quotas_changed.v1": SILENT,
    f"{P}panel.register_imported.v1": SILENT,
    f"{P}panel.invitations_drawn.v1": SILENT,
    f"{P}panel.invited.v1": _panel("panel_invitation", ("invitee",), channels=("letter",)),
    f"{P}panel.pool_closed.v1": SILENT,
    f"{P}panel.lottery_requested.v1": SILENT,
    f"{P}panel.lottery_committed.v1": SILENT,
    f"{P}panel.lottery_failed.v1": SILENT,  # the coordinator sees it on the panel's page and runs it again
    f"{P}panel.drawn.v1": _panel("panel_update", ("followers",)),
    f"{P}panel.member_selected.v1": _panel("panel_member_selected", ("selected_members",)),
    f"{P}panel.alternate_selected.v1": _panel("panel_alternate", ("alternates",)),
    f"{P}panel.member_accepted.v1": SILENT,
    f"{P}panel.member_declined.v1": SILENT,
    f"{P}panel.member_replaced.v1": _panel("panel_member_selected", ("selected_members",)),
    f"{P}panel.replacement_not_found.v1": SILENT,
    f"{P}panel.composition_final.v1": _panel("panel_update", ("selected_members", "followers")),
    f"{P}panel.session_planned.v1": _panel("panel_session", ("selected_members",)),
    f"{P}panel.contributions_logged.v1": SILENT,
    f"{P}panel.recommendations_delivered.v1": _panel("panel_update", ("selected_members", "followers")),
    f"{P}panel.answered.v1": _panel("panel_update", ("selected_members", "followers")),
    f"{P}panel.recommendation_answered.v1": _panel("panel_update", ("selected_members", "followers")),
    f"{P}panel.answer_deadline_breached.v1": _panel("panel_update", ("selected_members", "followers")),
    f"{P}panel.personal_data_deleted.v1": SILENT,
    f"{P}respondent.registered.v1": _panel("panel_respondent", ("respondent",)),
    f"{P}respondent.admitted.v1": SILENT,
    f"{P}respondent.refused.v1": _panel("panel_respondent", ("respondent",)),
    # Proposals and participatory budgets.
    f"{R}proposal.submitted.v1": SILENT,  # the admissibility check answers within moments
    f"{R}proposal.admitted.v1": Route("proposal", (Tell(("initiator",), "proposal_admitted"),)),
    f"{R}proposal.rejected.v1": Route("proposal", (Tell(("initiator",), "proposal_rejected"),)),
    f"{R}proposal.answered.v1": _proposal(legal=True),
    f"{R}proposal.declined.v1": _proposal(legal=True),
    f"{R}proposal.threshold_reached.v2": _proposal(),
    f"{R}proposal.answer_overdue.v2": _proposal(),
    f"{R}proposal.followed_up.v2": _proposal(),
    f"{R}proposal.merged.v2": _proposal(),
    f"{R}proposal.split.v2": _proposal(),
    # their v1 events name no author: only the followers can hear of those
    f"{R}proposal.threshold_reached.v1": _followers(),
    f"{R}proposal.answer_overdue.v1": _followers(),
    f"{R}proposal.followed_up.v1": _followers(),
    f"{R}proposal.merged.v1": _followers(),
    f"{R}proposal.split.v1": _followers(),
    # Process and budget-round steps before the results: public pages, not messages (for now).
    f"{R}process.defined.v1": SILENT,
    f"{R}process.rung_realised.v1": SILENT,
    f"{R}round.opened.v1": SILENT,
    f"{R}round.project_added.v1": SILENT,
    f"{R}round.feasibility_started.v1": SILENT,
    f"{R}round.project_assessed.v1": SILENT,
    f"{R}round.voting_opened.v1": SILENT,
    f"{R}round.closed.v1": SILENT,
    f"{R}round.project_tracked.v1": SILENT,
    f"{R}round.results_published.v1": Route(
        "budget", (Tell(("voters",), "budget_results"), Tell(("followers",), "budget_results"))
    ),
    # The gateway's identity audit: the resident sees it at the desk and on their next login (not consumed here).
    "org.meemaken.gateway.attributes_verified.v1": SILENT,
    # The officials' work queue (gateway): a case near or past its deadline, once per crossing.
    "org.meemaken.gateway.work_item.deadline_alert.v1": Route(
        "deadline", (Tell(("officials_concerned",), "deadline_alert", legally_required=True),)
    ),
}


def route_of(event_type: str) -> Route | None:
    """The route of a type; None when the type is silent. KeyError for a type nobody decided about."""
    route = ROUTES[event_type]
    return None if isinstance(route, str) else route


def fields_read(event_type: str) -> frozenset[str]:
    """Every field of the event its route reads: to find each audience's people and to fill its templates."""
    route = route_of(event_type)
    tells = route.tells if route is not None else ()
    return frozenset(
        field
        for tell in tells
        for field in (
            *FIELDS.get(tell.template, ()),
            *(f for role in tell.roles for f in fields_needed(role, event_type)),
        )
    )


def routed_types() -> set[str]:
    return {name for name, route in ROUTES.items() if not isinstance(route, str)}
