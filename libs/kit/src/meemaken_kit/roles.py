"""The one role model of meemaken: who may act, in every service.

Residents act for themselves; officials' roles come from the municipality's identity provider and may
be scoped (``department:mobility``, ``process:mobility-2027``, ``case:<uuid>``); services act with their
own narrow credentials. Who may do what on which resource is written down in ``docs/roles.md``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    GROUP_REPRESENTATIVE = "group_representative"
    CASE_OFFICER = "case_officer"
    ASSESSOR = "assessor"
    DECISION_BODY = "decision_body"
    PANEL_COORDINATOR = "panel_coordinator"
    MODERATOR = "moderator"
    MENTOR = "mentor"
    SUPERVISOR = "supervisor"  # a department's head: hears of its deadlines and sees its breaches
    ADMINISTRATOR = "administrator"
    SERVICE = "service"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

# The municipality's own people: their actions are audited by pseudonymous id and role in the events.
OFFICIALS: frozenset[str] = frozenset(
    {
        Role.CASE_OFFICER,
        Role.ASSESSOR,
        Role.DECISION_BODY,
        Role.PANEL_COORDINATOR,
        Role.MODERATOR,
        Role.MENTOR,
        Role.SUPERVISOR,
        Role.ADMINISTRATOR,
    }
)
