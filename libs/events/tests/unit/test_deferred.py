"""A handler's rows under `deferred.batch_inserts`: written at the scope's end, in their order, one statement per
run of a table; without the scope, at once."""

from __future__ import annotations

import sqlalchemy as sa

from meemaken_events import deferred


def test_rows_wait_for_the_end_of_the_batch_and_keep_their_order(tables):
    engine = tables[0]
    metadata = sa.MetaData()
    parents = sa.Table("parents", metadata, sa.Column("id", sa.Integer, primary_key=True))
    children = sa.Table(
        "children",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parents.id"), nullable=False),
    )
    metadata.create_all(engine)
    statements = []

    def note(_conn, _cursor, statement, *_rest):
        if statement.startswith("INSERT INTO"):
            statements.append(statement.split()[2])

    sa.event.listen(engine, "before_cursor_execute", note)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        statements.clear()
        with deferred.batch_inserts(conn):
            for i in (1, 2):
                deferred.insert(conn, parents, {"id": i})
            deferred.insert(conn, children, {"id": 10, "parent_id": 1})
            deferred.insert(conn, parents, {"id": 3})
            deferred.insert(conn, children, {"id": 11, "parent_id": 3})
            assert statements == []  # nothing written while the handlers run
        assert statements == ["parents", "children", "parents", "children"]  # a child after its parent
        assert conn.info.get(deferred.PENDING) is None
        deferred.insert(conn, parents, {"id": 4})  # outside a batch (an event redone alone): at once
        assert statements[-1] == "parents"
        assert conn.execute(sa.select(sa.func.count()).select_from(children)).scalar_one() == 2
