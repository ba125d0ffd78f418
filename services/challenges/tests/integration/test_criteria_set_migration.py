"""Migration 0006 on PostgreSQL: tasks of the Dutch and English profiles stored with the Flemish
criteria (the one default before) move to their own profile's default; the rest stay as they were."""

import uuid

import pytest
import sqlalchemy as sa

from challenges.adapters import tables
from challenges.bootstrap import SERVICE
from meemaken_kit import make_engine, migrate

pytestmark = pytest.mark.postgres


def test_stored_tasks_move_to_their_own_profiles_criteria(database_url):
    migrate(SERVICE.migrations_dir, database_url, "0005")
    engine = make_engine(database_url)
    stored = {
        ("flanders", "flemish-default"): "flemish-default",
        ("netherlands", "flemish-default"): "dutch-default",
        ("uk", "flemish-default"): "england-localism-act",
    }
    ids = {}
    with engine.begin() as conn:
        for profile, criteria_set in stored:
            ids[profile] = uuid.uuid4()
            conn.execute(
                tables.tasks.insert().values(
                    id=ids[profile],
                    title="Library",
                    description="Running the library.",
                    department="culture",
                    current_yearly_cost_cents=1,
                    budget_cents=1,
                    profile=profile,
                    criteria_set=criteria_set,
                    open=True,
                    blocked_by=None,
                    eligible_legal_forms=[],
                    min_members=1,
                    windows=[],
                    version=1,
                )
            )
    migrate(SERVICE.migrations_dir, database_url)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.select(tables.tasks.c.profile, tables.tasks.c.criteria_set)).all())
    engine.dispose()
    assert found == {profile: expected for (profile, _), expected in stored.items()}
