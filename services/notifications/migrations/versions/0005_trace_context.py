"""A notice keeps the trace it was noticed in, so that the e-mails sent for it join that trace.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("traceparent", sa.String(55), nullable=True))
    op.add_column("notices", sa.Column("tracestate", sa.String(512), nullable=True))


def downgrade() -> None:
    op.drop_column("notices", "tracestate")
    op.drop_column("notices", "traceparent")
