"""Idempotency keys: a retried state-changing request gets its first answer (meemaken_kit.idempotency).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

from meemaken_kit.idempotency import create_idempotency_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
