"""Each profile judges on its own criteria set: tasks of the Dutch and English profiles that were given
the Flemish default (the one default for every profile before) get their own profile's default.

Challenges already opened keep the set they were assessed on (it is stored with each case).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

tasks = sa.table("tasks", sa.column("profile", sa.String), sa.column("criteria_set", sa.String))
OWN = {"netherlands": "dutch-default", "uk": "england-localism-act"}


def upgrade() -> None:
    for profile, criteria_set in OWN.items():
        op.execute(
            tasks.update()
            .where(tasks.c.profile == profile, tasks.c.criteria_set == "flemish-default")
            .values(criteria_set=criteria_set)
        )


def downgrade() -> None:
    for profile, criteria_set in OWN.items():
        op.execute(
            tasks.update()
            .where(tasks.c.profile == profile, tasks.c.criteria_set == criteria_set)
            .values(criteria_set="flemish-default")
        )
