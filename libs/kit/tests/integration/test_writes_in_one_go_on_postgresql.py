"""``writes_in_one_go`` on PostgreSQL: the statements within are sent without waiting for their answers (psycopg's
pipeline mode), ``counted``'s checks run once all are answered, and whatever goes wrong at the end comes as
SQLAlchemy's error of that kind and leaves nothing written. On SQLite it is the plain path."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from meemaken_kit import make_engine
from meemaken_kit.pipelining import counted, writes_in_one_go

metadata = sa.MetaData()
marks = sa.Table(
    "marks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("n", sa.Integer),
)
RENAME = marks.update().where(marks.c.name == sa.bindparam("old")).values(name=sa.bindparam("new"))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(marks.c.name)).scalars())


def put(conn: sa.Connection, *names: str, ids: list[uuid.UUID] | None = None) -> sa.CursorResult:
    ids = ids or [uuid.uuid4() for _ in names]
    return conn.execute(marks.insert(), [{"id": i, "name": n, "n": 1} for i, n in zip(ids, names, strict=True)])


@pytest.mark.postgres
def test_the_writes_are_answered_at_the_end_and_each_count_is_checked_then(engine):
    with engine.begin() as conn:
        put(conn, "a", "a", "b")
    seen: list[int] = []
    with engine.begin() as conn:
        with writes_in_one_go(conn):
            pending = conn.execute(marks.update().values(n=2))
            counted(conn, RENAME, {"old": "a", "new": "c"}, seen.append)
            counted(conn, RENAME, {"old": "nobody", "new": "d"}, seen.append)
            assert pending.rowcount == -1 and seen == []  # sent, not yet answered
        assert seen == [2, 0]  # each write's count, once all were answered, in order
    assert names(engine) == ["b", "c", "c"]
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(marks.c.n)).scalars()) == {2}


@pytest.mark.postgres
def test_a_check_that_fails_at_the_end_leaves_nothing_written(engine):
    class ChangedMeanwhile(Exception):
        pass

    def exactly_one(updated: int) -> None:
        if updated != 1:
            raise ChangedMeanwhile

    with pytest.raises(ChangedMeanwhile), engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "a")
        counted(conn, RENAME, {"old": "nobody", "new": "b"}, exactly_one)
        put(conn, "after the failed write")
    assert names(engine) == []


@pytest.mark.postgres
def test_a_broken_constraint_answered_at_the_end_is_sqlalchemys_integrity_error_and_the_connection_serves_on(engine):
    taken = uuid.uuid4()
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "first", ids=[taken])
        put(conn, "same id", ids=[taken])  # its answer is read at the block's end
    assert names(engine) == []
    with engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "after")
    assert names(engine) == ["after"]


@pytest.mark.postgres
def test_a_connection_lost_before_the_answers_is_sqlalchemys_operational_error_which_the_consumer_retries(engine):
    from meemaken_events.consumer import TRANSIENT

    other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)

    def kill(conn: sa.Connection) -> None:
        with other.connect() as killer:
            pid = conn.connection.driver_connection.info.backend_pid
            killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    with pytest.raises(sa.exc.OperationalError) as at_a_write, engine.begin() as conn, writes_in_one_go(conn):
        kill(conn)
        put(conn, "never")
    with pytest.raises(sa.exc.OperationalError) as at_the_end, engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "never either")
        kill(conn)  # the write was sent: its answer is read at the block's end
    assert at_the_end.value.statement is None  # raised there, not by the write's execute
    assert isinstance(at_a_write.value, TRANSIENT) and isinstance(at_the_end.value, TRANSIENT)
    assert names(engine) == []  # the pool's next connection (pre-ping) serves on
    other.dispose()


@pytest.mark.postgres
def test_a_block_within_a_block_sends_with_the_outer_one(engine):
    seen: list[int] = []
    with engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "a")
        with writes_in_one_go(conn):
            counted(conn, RENAME, {"old": "a", "new": "b"}, seen.append)
        assert seen == []
    assert seen == [1] and names(engine) == ["b"]


def test_on_sqlite_the_statements_run_as_usual_and_each_check_at_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'marks.db'}")
    metadata.create_all(engine)
    seen: list[int] = []
    with engine.begin() as conn, writes_in_one_go(conn):
        put(conn, "a", "a")
        counted(conn, RENAME, {"old": "a", "new": "b"}, seen.append)
        assert seen == [2]
    assert names(engine) == ["b", "b"]
    engine.dispose()
