"""The officials' desk beyond the queue (gateway.casework.alerts, gateway.casework.mentoring): which
officials hold the roles that are told of a department's deadlines or coach a group, the deadline
crossings already announced, the mentors assigned to cases and the guidance they leave. In the
gateway's schema (``metadata``).

Officials appear by pseudonymous id only; no table holds a resident's id, name or contact.
"""

import sqlalchemy as sa

from gateway.adapters.tables import metadata
from meemaken_events import UtcDateTime

# The desk roles each official's last login gave (supervisor, mentor), with their scopes ("" for
# municipality-wide): who supervises a department when nobody of it is logged in.
official_roles = sa.Table(
    "official_roles",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("role", sa.String(40), primary_key=True),
    sa.Column("scope", sa.String(120), primary_key=True),
    sa.Column("seen_at", UtcDateTime(), nullable=False),
    sa.Index("ix_official_roles_role", "role", "scope"),
)

# One row per deadline crossing announced (a work item's level for one due date): the key that makes the
# announcement once, whatever the worker's restarts or the topics' replays.
deadline_alerts = sa.Table(
    "deadline_alerts",
    metadata,
    sa.Column("service", sa.String(20), primary_key=True),
    sa.Column("case_id", sa.String(120), primary_key=True),
    sa.Column("level", sa.String(20), primary_key=True),  # near_breach, breached
    sa.Column("due", sa.String(40), primary_key=True),  # the due date's ISO form, "" when none is known
    sa.Column("department", sa.String(80), nullable=True),
    sa.Column("announced_at", UtcDateTime(), nullable=False),
)

# Mentors coaching the group of a case (a proposal's authors, a challenge's group), assigned by a case officer.
mentor_assignments = sa.Table(
    "mentor_assignments",
    metadata,
    sa.Column("service", sa.String(20), primary_key=True),
    sa.Column("case_id", sa.String(120), primary_key=True),
    sa.Column("mentor_id", sa.String(36), primary_key=True),
    sa.Column("assigned_by", sa.String(36), nullable=False),
    sa.Column("assigned_at", UtcDateTime(), nullable=False),
    sa.Index("ix_mentor_assignments_mentor", "mentor_id"),
)

# What a mentor wrote for the group: shown to the case's own group on its portal page, never to others.
mentor_guidance = sa.Table(
    "mentor_guidance",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("case_id", sa.String(120), nullable=False),
    sa.Column("mentor_id", sa.String(36), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("written_at", UtcDateTime(), nullable=False),
    sa.Index("ix_mentor_guidance_case", "service", "case_id", "written_at"),
)
