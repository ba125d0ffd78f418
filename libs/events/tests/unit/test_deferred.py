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


def test_work_left_to_the_batch_is_done_together_in_order_and_alone_at_once(tables):
    done: list[tuple[str, list[int]]] = []
    checks = deferred.PerBatch[int](
        "checks",
        lambda _c, items: done.append(("together", list(items))),
        lambda _c, item: done.append(("alone", [item])),
    )
    with tables[0].begin() as conn:
        with checks.scope(conn):
            for item in (3, 1, 2):
                checks.add(conn, item)
            assert done == []  # nothing done while the handlers run
        assert done == [("together", [3, 1, 2])]
        checks.add(conn, 4)  # an event redone alone, or a dead letter replayed
        assert done[-1] == ("alone", [4])
        with checks.scope(conn):
            pass
        assert len(done) == 2  # an empty batch does nothing


def test_a_failing_batch_leaves_its_work_undone(tables):
    done: list[list[int]] = []
    checks = deferred.PerBatch[int]("checks", lambda _c, items: done.append(items), lambda _c, item: None)
    with tables[0].connect() as conn:
        try:
            with checks.scope(conn):
                checks.add(conn, 1)
                raise RuntimeError("a handler failed")
        except RuntimeError:
            pass
        assert done == [] and conn.info.get(checks.key) is None
