"""The embedded SQLite default: every connection set up alike, writers queued in the process, readers unlocked."""

import sqlite3
import threading
import time

import sqlalchemy as sa

from meemaken_events.tables import reading
from meemaken_kit import make_engine


def engine_at(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return engine


def test_every_connection_has_wal_normal_sync_and_a_busy_timeout(tmp_path):
    engine = engine_at(tmp_path)
    connections = [reading(engine.connect()) for _ in range(3)]  # three pooled connections, each set up alike
    try:
        for conn in connections:
            pragmas = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("journal_mode", "synchronous", "busy_timeout")
            ]
            assert pragmas == ["wal", 1, 30000]  # synchronous 1 = NORMAL
    finally:
        for conn in connections:
            conn.close()


def test_a_reading_transaction_takes_no_write_lock(tmp_path):
    engine = engine_at(tmp_path)
    with engine.connect() as reader:
        assert reading(reader).execute(sa.text("SELECT count(*) FROM t")).scalar() == 0  # its transaction is open
        other = sqlite3.connect(tmp_path / "db.sqlite", timeout=0, isolation_level=None)  # no waiting at all
        other.execute("BEGIN IMMEDIATE")  # another process's writer gets the lock at once
        other.execute("INSERT INTO t VALUES (1)")
        other.execute("COMMIT")
        other.close()


def test_writers_of_one_process_queue_and_each_ending_lets_the_next_in(tmp_path):
    engine = engine_at(tmp_path)
    order: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with engine.begin() as conn:  # waits for the first writer's end, in the process's queue
            order.append("second begins")
            conn.execute(sa.text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=second)
    thread.start()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        first_in.set()
        time.sleep(0.2)
        order.append("first commits")
    thread.join(5)
    assert order == ["first commits", "second begins"]

    conn = engine.connect()  # a rollback, and a connection closed in its transaction, end it as well
    conn.begin()
    conn.rollback()
    conn.execute(sa.text("INSERT INTO t VALUES (3)"))
    conn.close()
    started = time.monotonic()
    with engine.begin() as again:
        again.execute(sa.text("INSERT INTO t VALUES (4)"))
    assert time.monotonic() - started < 1
    with engine.connect() as check:
        assert reading(check).execute(sa.text("SELECT count(*) FROM t")).scalar() == 3
