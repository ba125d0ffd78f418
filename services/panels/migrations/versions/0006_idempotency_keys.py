"""Idempotency keys: a retried state-changing request gets its first answer (meemaken_kit.idempotency).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op

from meemaken_kit.idempotency import create_idempotency_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
