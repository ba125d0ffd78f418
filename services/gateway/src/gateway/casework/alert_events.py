"""The event the gateway's worker publishes when a work item crosses near breach or breach of its
deadline: which case, which level, the due date, and the officials concerned by pseudonymous id (the
assignee and the department's supervisors). Never a resident's id, name or words."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from meemaken_events.definitions import DateTime, Doc, EventDefinition, MaxItems, MaxLength, UniqueItems, Uuid

DEADLINE_ALERT = "org.meemaken.gateway.work_item.deadline_alert.v1"
CASEWORK_TOPIC = "meemaken.gateway.casework"


class DeadlineAlert(TypedDict):
    service: Literal["proposals", "challenges", "panels"]
    case_id: Annotated[str, MaxLength(120), Doc("The case's id in its service (a budget project: round/project).")]
    kind: Annotated[str, MaxLength(40), Doc("The work the case asks for, as the work queue names it.")]
    level: Annotated[Literal["near_breach", "breached"], Doc("Near its deadline, or past it.")]
    due_at: Annotated[DateTime | None, Doc("The deadline; null when only the service's own warning is known.")]
    department: Annotated[str | None, MaxLength(80), Doc("The department whose queue holds the case, if any.")]
    officials: Annotated[
        list[Uuid],
        UniqueItems(),
        MaxItems(200),
        Doc("Who must hear: the assignee and the department's supervisors, by pseudonymous id; never a resident."),
    ]
    announced_at: DateTime


EVENT_TYPES = (
    EventDefinition(
        DEADLINE_ALERT,
        CASEWORK_TOPIC,
        DeadlineAlert,
        "A work item of the officials' queue came near its deadline or passed it (announced once per deadline).",
    ),
)
