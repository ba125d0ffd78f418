"""Co-authors (joined with the authors' link, of which only a hash is kept) and attachments (what each is
in the proposal's row, its bytes in their own table).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as table:
        table.add_column(sa.Column("co_authors", sa.JSON(), nullable=False, server_default="[]"))
        table.add_column(sa.Column("co_author_invitation", sa.JSON(), nullable=True))
        table.add_column(sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "attachment_contents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("proposal_id", sa.Uuid(), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_attachment_contents_proposal_id", "attachment_contents", ["proposal_id"])


def downgrade() -> None:
    op.drop_table("attachment_contents")
    with op.batch_alter_table("proposals") as table:
        table.drop_column("attachments")
        table.drop_column("co_author_invitation")
        table.drop_column("co_authors")
