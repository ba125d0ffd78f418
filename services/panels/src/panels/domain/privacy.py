"""Each stage deletes what it no longer needs (GDPR data minimisation), and each deletion is an event.

- at the close of registration, the register entries and contact data of those who did not register;
- once the composition is final (the first session is planned), the contact data of everyone not on the panel;
- when the panel has ended (every recommendation answered), the members' contact data.
"""

from __future__ import annotations

from panels.domain.panel import Panel, Status

NON_RESPONDENTS = "non_respondents"
NON_MEMBERS = "non_members"
MEMBERS = "members"

AFTER = {
    NON_RESPONDENTS: {
        Status.POOL_CLOSED,
        Status.COMMITTED,
        Status.DRAWN,
        Status.DELIBERATING,
        Status.RECOMMENDED,
        Status.ANSWERED,
    },
    NON_MEMBERS: {Status.DELIBERATING, Status.RECOMMENDED, Status.ANSWERED},
    MEMBERS: {Status.ANSWERED},
}


def privacy_stages_due(panel: Panel) -> list[str]:
    """The deletion stages this panel has reached and not yet carried out, in order."""
    return [
        stage for stage, statuses in AFTER.items() if panel.status in statuses and stage not in panel.deleted_stages
    ]
