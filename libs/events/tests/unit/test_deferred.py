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


def test_work_resumed_at_the_batch_end_runs_in_its_events_correlation_and_span():
    from opentelemetry import trace

    from meemaken_events import correlated
    from meemaken_events.correlation import current_correlation_id
    from meemaken_testkit.tracing import recorded_spans

    spans = recorded_spans()
    tracer = trace.get_tracer("test")
    kept = []
    for correlation in ("first", "second"):
        with correlated(correlation), tracer.start_as_current_span(f"process {correlation}") as span:
            kept.append((span.get_span_context(), deferred.resumable()))
    assert current_correlation_id() is None
    for context, again in kept:
        with again():
            assert trace.get_current_span().get_span_context() == context  # its event's span, not a new one
            with tracer.start_as_current_span("staged") as child:
                assert child.parent is not None and child.parent.span_id == context.span_id
            seen = current_correlation_id()
        assert seen == ("first" if context is kept[0][0] else "second")
    assert current_correlation_id() is None and trace.get_current_span() is trace.INVALID_SPAN
    assert [s.name for s in spans.get_finished_spans()] == ["process first", "process second", "staged", "staged"]
