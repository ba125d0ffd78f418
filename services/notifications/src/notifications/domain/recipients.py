"""Which people hold a role in an event: named in the event itself, kept in an audience, or asked of
the owning service (a round's voters, too many to travel in an event).

Events carry pseudonymous ids only; an audience is a set of such ids per scope (a challenge, a
department's queue, a panel, a proposal, a budget round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REMOTE_ROLES = frozenset({"voters"})


@dataclass(frozen=True)
class AudienceChange:
    scope: str
    role: str
    person_id: str
    joined: bool  # False: left


def named_in_event(role: str, event_type: str, data: dict[str, Any]) -> list[str]:
    details = data.get("details") or {}
    if role == "officials_concerned":
        return [str(p) for p in data.get("officials") or ()]
    if role == "initiator":
        person = data.get("representative_id") or data.get("author_id")
        return [str(person)] if person else []
    if role == "co_initiators" and details.get("co_initiator_ids"):  # a challenge's decision names them
        return [str(p) for p in details["co_initiator_ids"]]
    if role in ("invitee", "respondent", "alternates") or (
        role == "selected_members" and event_type.endswith((".member_selected.v1", ".member_replaced.v1"))
    ):
        person = details.get("pseudonym") or data.get("pseudonym")
        return [str(person)] if person else []
    return []


def fields_needed(role: str, event_type: str) -> tuple[str, ...]:
    """What finding the people in `role` reads of an event of this type (its consumer declares it with
    ``@reads``, so the contract tests hold the producer to it)."""
    if role == "officials_concerned":
        return ("officials",)
    service = event_type.split(".")[2]  # org.meemaken.<service>.<aggregate>.<name>.v1
    case = {"challenges": "challenge_id", "proposals": "proposal_id", "panels": "panel_id"}[service]
    if ".round." in event_type:
        case = "round_id"
    if role == "initiator":
        return ("representative_id",) if service == "challenges" else ("author_id",)
    if role == "department_queue":
        return ("department",)
    if role in ("invitee", "alternates") or event_type.endswith((".member_selected.v1", ".member_replaced.v1")):
        return (case, "details.pseudonym")
    if role == "respondent":
        return ("pseudonym",)
    return (case,)  # an audience of the case: its followers, group, officials, members, voters


def audience_scopes(role: str, data: dict[str, Any]) -> list[str]:
    """The audiences that hold `role` for this event's case ([] when the event names the people itself)."""
    if role == "department_queue" and "department" in data:
        return [f"department:{data['department']}"]
    if role in ("co_initiators", "group_members", "assigned_officials", "followers") and "challenge_id" in data:
        return [f"challenge:{data['challenge_id']}"]
    if role in ("followers", "selected_members") and "panel_id" in data:
        return [f"panel:{data['panel_id']}"]
    if role == "followers" and "round_id" in data:
        return [f"round:{data['round_id']}"] + ([f"process:{data['process_id']}"] if data.get("process_id") else [])
    if role == "followers" and "proposal_id" in data:
        return [f"proposal:{data['proposal_id']}"]
    return []


def audience_changes(event_type: str, data: dict[str, Any]) -> list[AudienceChange]:
    """What an event teaches about a panel's members: who joined (drawn, replacing) and who left."""
    details = data.get("details") or {}
    scope, person = f"panel:{data.get('panel_id')}", details.get("pseudonym")
    what = event_type.rsplit(".", 2)[-2]
    if what == "member_selected" and person:
        return [AudienceChange(scope, "selected_members", person, True)]
    if what == "member_replaced" and person:
        left = (
            [AudienceChange(scope, "selected_members", details["replaces"], False)] if details.get("replaces") else []
        )
        return [AudienceChange(scope, "selected_members", person, True), *left]
    if what == "member_declined" and person:
        return [AudienceChange(scope, "selected_members", person, False)]
    if what == "alternate_selected" and person:
        return [AudienceChange(scope, "alternates", person, True)]
    return []
