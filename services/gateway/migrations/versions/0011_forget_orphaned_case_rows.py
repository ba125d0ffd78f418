"""Delete the case rows the old 30-day forgetting of closed work items left behind: history, assignments,
notes, attachments, mentors, guidance and deadline crossings of a case whose work item is gone.

Once, here, rather than in the worker's case retention step: nothing makes such orphans any more (the step
deletes a case's rows with its item), and the step keeps its rule that rows without an item are left alone
(an event may record a case's history before the queue's consumer makes its item). So only a case quiet for
longer than the old forgetting waited (30 days after its last event) goes: none of its rows is newer.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from meemaken_events import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

QUIET = timedelta(days=30)  # the old forgetting's wait after a closed case's last event
CASE_TABLES = {  # each table with the case's columns and its row's time
    "case_events": "at",
    "case_assignments": "at",
    "case_notes": "written_at",
    "case_attachments": "added_at",
    "mentor_assignments": "assigned_at",
    "mentor_guidance": "written_at",
    "deadline_alerts": "announced_at",
}


def _table(name: str) -> sa.TableClause:
    when = sa.column(CASE_TABLES.get(name, "version"), UtcDateTime())
    return sa.table(name, sa.column("service"), sa.column("case_id"), when)


def upgrade() -> None:
    cutoff = datetime.now(UTC) - QUIET
    items = _table("work_items")
    recent = sa.union(
        *(
            sa.select(t.c.service, t.c.case_id).where(t.c[when] >= cutoff)
            for t, when in ((_table(name), when) for name, when in CASE_TABLES.items())
        )
    ).subquery()
    conn = op.get_bind()
    for name in CASE_TABLES:
        t = _table(name)
        has_item = sa.exists().where(items.c.service == t.c.service, items.c.case_id == t.c.case_id)
        is_recent = sa.exists().where(recent.c.service == t.c.service, recent.c.case_id == t.c.case_id)
        conn.execute(t.delete().where(~has_item, ~is_recent))


def downgrade() -> None:
    pass  # deleted rows stay deleted
