"""`deferred.batch_inserts` on PostgreSQL: a run of rows of one table is one INSERT of its columns as arrays,
unnested; every value comes back as it was given (text, numbers, UUIDs, aware times, JSON, NULL); a table's runs
keep their order behind another table's rows; a row that breaks a constraint fails its whole batch, which writes
nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from meemaken_events import deferred
from meemaken_events.tables import UtcDateTime

pytestmark = pytest.mark.postgres
metadata = sa.MetaData()
parents = sa.Table("parents", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.String(50)))
children = sa.Table(
    "children",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("parents.id"), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("amount", sa.Numeric(12, 2)),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("note", sa.Text),
)


@pytest.fixture
def engine(engine_with) -> sa.Engine:
    return engine_with(metadata)


def inserts(engine: sa.Engine) -> list[str]:
    """The INSERT statements the engine sends from now on (their table)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.startswith("INSERT INTO"):
            seen.append(statement.split()[2] + (" (executemany)" if executemany else ""))

    sa.event.listen(engine, "before_cursor_execute", note)
    return seen


def test_each_run_of_a_table_is_one_statement_and_every_value_comes_back(engine):
    at = datetime(2026, 12, 2, 20, 30, 15, 123456, tzinfo=UTC)
    ids = [uuid.uuid4() for _ in range(3)]
    seen = inserts(engine)
    with engine.begin() as conn, deferred.batch_inserts(conn):
        for number, parent in enumerate(ids[:2]):
            deferred.insert(conn, parents, {"id": parent, "name": f"parent {number}"})
        for number in range(100):
            deferred.insert(
                conn,
                children,
                {
                    "id": number,
                    "parent_id": ids[number % 2],
                    "at": at + timedelta(seconds=number),
                    "amount": Decimal("12.50") if number % 3 else None,
                    "done": number % 2 == 0,
                    "details": {"n": number, "words": ["één", "deux"]} if number % 4 else None,
                    "note": 'l\'été "quoted", {braces} \\ and, commas' if number == 7 else None,
                },
            )
        deferred.insert(conn, parents, {"id": ids[2], "name": None})
    assert seen == ["parents", "children", "parents"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(children).order_by(children.c.id)).all()
        assert conn.execute(sa.select(parents.c.name).where(parents.c.id == ids[2])).scalar_one() is None
    assert len(rows) == 100
    seven = rows[7]
    assert seven.at == at + timedelta(seconds=7) and seven.at.tzinfo is not None
    assert seven.amount == Decimal("12.50") and seven.done is False
    assert seven.details == {"n": 7, "words": ["één", "deux"]}
    assert seven.note == 'l\'été "quoted", {braces} \\ and, commas'
    assert rows[0].amount is None and rows[0].details is None and rows[0].note is None
    assert [row.parent_id for row in rows[:2]] == ids[:2]


def test_rows_of_one_table_with_other_columns_are_runs_of_their_own(engine):
    parent = uuid.uuid4()
    seen = inserts(engine)
    with engine.begin() as conn, deferred.batch_inserts(conn):
        deferred.insert(conn, parents, {"id": parent, "name": "named"})
        deferred.insert(conn, parents, {"id": uuid.uuid4()})  # name left to its default (NULL)
    assert seen == ["parents", "parents"]
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(parents.c.name)).scalars()) == {"named", None}


def test_a_row_breaking_a_constraint_fails_the_batch_and_nothing_is_written(engine):
    parent = uuid.uuid4()
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn, deferred.batch_inserts(conn):
            deferred.insert(conn, parents, {"id": parent, "name": "first"})
            deferred.insert(conn, parents, {"id": parent, "name": "the same id again"})
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(parents)).scalar_one() == 0
